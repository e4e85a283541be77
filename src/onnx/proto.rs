//! A small reader for the top-level fields of an ONNX file.
//!
//! ONNX Runtime's metadata API has no opset imports, IR version or producer
//! version, and its error for a text file is cryptic. An ONNX file is a protobuf
//! `ModelProto`; this module walks its top-level fields (skipping the graph's
//! nodes and weights by length, without reading them) to get those fields and to
//! tell early whether a file is an ONNX model at all.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

/// Longest string field kept (doc strings can be long); the rest is skipped.
const MAX_STRING: u64 = 64 * 1024;

/// The top-level facts of an ONNX model file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ModelHeader {
    pub ir_version: Option<i64>,
    /// `(domain, version)`; the default domain is the empty string.
    pub opsets: Vec<(String, i64)>,
    pub producer_name: String,
    pub producer_version: String,
    pub domain: String,
    pub model_version: Option<i64>,
    pub doc_string: String,
    pub graph_name: Option<String>,
    pub metadata: Vec<(String, String)>,
}

/// Reads the header of the ONNX file at `path`; the error says why it is not one.
pub(crate) fn read_header(path: &Path) -> Result<ModelHeader, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut reader = Reader {
        inner: BufReader::new(file),
        pos: 0,
    };
    parse_model(&mut reader, len)
}

/// Reads a header from bytes in memory (tests and small files).
#[cfg(test)]
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<ModelHeader, String> {
    let mut reader = Reader {
        inner: std::io::Cursor::new(bytes),
        pos: 0,
    };
    parse_model(&mut reader, bytes.len() as u64)
}

struct Reader<R> {
    inner: R,
    pos: u64,
}

enum Wire {
    Varint(u64),
    /// A length-delimited field: its content starts at the current position.
    Bytes(u64),
    Skipped,
}

impl<R: Read + Seek> Reader<R> {
    fn byte(&mut self) -> Result<u8, String> {
        let mut buf = [0u8; 1];
        self.inner
            .read_exact(&mut buf)
            .map_err(|_| format!("file ends inside a field at byte {}", self.pos))?;
        self.pos += 1;
        Ok(buf[0])
    }

    fn varint(&mut self) -> Result<u64, String> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("malformed number at byte {start}"))
    }

    fn skip(&mut self, n: u64, end: u64) -> Result<(), String> {
        let target = self
            .pos
            .checked_add(n)
            .filter(|t| *t <= end)
            .ok_or_else(|| {
                format!(
                    "a field at byte {} claims {n} bytes, past the end of its message or the file",
                    self.pos
                )
            })?;
        let offset = i64::try_from(n).map_err(|_| "field too long".to_string())?;
        self.inner
            .seek_relative(offset)
            .map_err(|e| e.to_string())?;
        self.pos = target;
        Ok(())
    }

    /// Reads one field key and value header; returns `(field number, value)`.
    fn field(&mut self, end: u64) -> Result<(u64, Wire), String> {
        let at = self.pos;
        let key = self.varint()?;
        let (number, wire) = (key >> 3, key & 7);
        if number == 0 {
            return Err(format!("invalid field number 0 at byte {at}"));
        }
        let value = match wire {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.skip(8, end)?;
                Wire::Skipped
            }
            2 => {
                let len = self.varint()?;
                if self.pos.checked_add(len).is_none_or(|e| e > end) {
                    return Err(format!(
                        "a field at byte {at} claims {len} bytes, past the end of its message or the file"
                    ));
                }
                Wire::Bytes(len)
            }
            5 => {
                self.skip(4, end)?;
                Wire::Skipped
            }
            other => return Err(format!("invalid protobuf wire type {other} at byte {at}")),
        };
        Ok((number, value))
    }

    fn string(&mut self, len: u64, end: u64) -> Result<String, String> {
        let keep = len.min(MAX_STRING);
        let mut buf = vec![0u8; usize::try_from(keep).map_err(|_| "string too long".to_string())?];
        self.inner.read_exact(&mut buf).map_err(|e| e.to_string())?;
        self.pos += keep;
        self.skip(len - keep, end)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Skips a field value that is not needed.
    fn skip_value(&mut self, wire: Wire, end: u64) -> Result<(), String> {
        match wire {
            Wire::Bytes(len) => self.skip(len, end),
            Wire::Varint(_) | Wire::Skipped => Ok(()),
        }
    }
}

fn parse_model<R: Read + Seek>(r: &mut Reader<R>, end: u64) -> Result<ModelHeader, String> {
    let mut header = ModelHeader::default();
    let mut has_graph = false;
    while r.pos < end {
        let (number, wire) = r.field(end)?;
        match (number, wire) {
            (1, Wire::Varint(v)) => header.ir_version = Some(v as i64),
            (2, Wire::Bytes(len)) => header.producer_name = r.string(len, end)?,
            (3, Wire::Bytes(len)) => header.producer_version = r.string(len, end)?,
            (4, Wire::Bytes(len)) => header.domain = r.string(len, end)?,
            (5, Wire::Varint(v)) => header.model_version = Some(v as i64),
            (6, Wire::Bytes(len)) => header.doc_string = r.string(len, end)?,
            (7, Wire::Bytes(len)) => {
                has_graph = true;
                header.graph_name = parse_graph_name(r, r.pos + len)?;
            }
            (8, Wire::Bytes(len)) => header.opsets.push(parse_opset(r, r.pos + len)?),
            (14, Wire::Bytes(len)) => header.metadata.push(parse_string_pair(r, r.pos + len)?),
            (_, wire) => r.skip_value(wire, end)?,
        }
    }
    match header.ir_version {
        None => Err("no IR version field; this does not look like an ONNX model".to_string()),
        Some(v) if !(1..=100).contains(&v) => Err(format!(
            "IR version {v} makes no sense; this does not look like an ONNX model"
        )),
        Some(_) if !has_graph => {
            Err("no graph in the file; this does not look like an ONNX model".to_string())
        }
        Some(_) => Ok(header),
    }
}

fn parse_graph_name<R: Read + Seek>(r: &mut Reader<R>, end: u64) -> Result<Option<String>, String> {
    let mut name = None;
    while r.pos < end {
        match r.field(end)? {
            (2, Wire::Bytes(len)) => name = Some(r.string(len, end)?),
            (_, wire) => r.skip_value(wire, end)?,
        }
    }
    Ok(name)
}

fn parse_opset<R: Read + Seek>(r: &mut Reader<R>, end: u64) -> Result<(String, i64), String> {
    let (mut domain, mut version) = (String::new(), 0i64);
    while r.pos < end {
        match r.field(end)? {
            (1, Wire::Bytes(len)) => domain = r.string(len, end)?,
            (2, Wire::Varint(v)) => version = v as i64,
            (_, wire) => r.skip_value(wire, end)?,
        }
    }
    Ok((domain, version))
}

fn parse_string_pair<R: Read + Seek>(
    r: &mut Reader<R>,
    end: u64,
) -> Result<(String, String), String> {
    let (mut key, mut value) = (String::new(), String::new());
    while r.pos < end {
        match r.field(end)? {
            (1, Wire::Bytes(len)) => key = r.string(len, end)?,
            (2, Wire::Bytes(len)) => value = r.string(len, end)?,
            (_, wire) => r.skip_value(wire, end)?,
        }
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes_field(number: u64, content: &[u8], out: &mut Vec<u8>) {
        varint(number << 3 | 2, out);
        varint(content.len() as u64, out);
        out.extend_from_slice(content);
    }

    fn varint_field(number: u64, value: u64, out: &mut Vec<u8>) {
        varint(number << 3, out);
        varint(value, out);
    }

    fn sample_model() -> Vec<u8> {
        let mut graph = Vec::new();
        bytes_field(1, &[0xAA; 300], &mut graph); // a "node", skipped
        bytes_field(2, b"main_graph", &mut graph);
        let mut opset_ml = Vec::new();
        bytes_field(1, b"ai.onnx.ml", &mut opset_ml);
        varint_field(2, 3, &mut opset_ml);
        let mut opset = Vec::new();
        varint_field(2, 17, &mut opset);
        let mut meta = Vec::new();
        bytes_field(1, b"author", &mut meta);
        bytes_field(2, b"me", &mut meta);

        let mut model = Vec::new();
        varint_field(1, 8, &mut model);
        bytes_field(2, b"skl2onnx", &mut model);
        bytes_field(3, b"1.20.0", &mut model);
        bytes_field(7, &graph, &mut model);
        bytes_field(8, &opset, &mut model);
        bytes_field(8, &opset_ml, &mut model);
        bytes_field(14, &meta, &mut model);
        model.extend_from_slice(&[0x1d, 1, 2, 3, 4]); // field 3, fixed32: skipped
        model
    }

    #[test]
    fn reads_top_level_fields() {
        let header = parse_bytes(&sample_model()).expect("valid header");
        assert_eq!(header.ir_version, Some(8));
        assert_eq!(header.producer_name, "skl2onnx");
        assert_eq!(header.producer_version, "1.20.0");
        assert_eq!(header.graph_name.as_deref(), Some("main_graph"));
        assert_eq!(
            header.opsets,
            [(String::new(), 17), ("ai.onnx.ml".to_string(), 3)]
        );
        assert_eq!(header.metadata, [("author".to_string(), "me".to_string())]);
    }

    #[test]
    fn truncated_file_is_rejected() {
        let model = sample_model();
        let err = parse_bytes(&model[..model.len() / 2]).expect_err("truncated");
        assert!(
            err.contains("past the end") || err.contains("ends inside"),
            "{err}"
        );
    }

    #[test]
    fn text_is_not_a_model() {
        for text in [
            &b"hello, this is not a model\n"[..],
            b"{\"instances\": [[1, 2]]}",
            b"\x00\x00\x00",
        ] {
            assert!(parse_bytes(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_model_without_graph_is_rejected() {
        let mut model = Vec::new();
        varint_field(1, 8, &mut model);
        assert!(
            parse_bytes(&model)
                .expect_err("no graph")
                .contains("no graph")
        );
    }
}
