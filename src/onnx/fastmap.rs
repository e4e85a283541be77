//! A direct path for the commonest non-tensor output: scikit-learn's ZipMap,
//! a sequence of maps from class (string or int64) to float32 probability.
//!
//! `ort`'s safe extraction builds a typed `Value` (with its type information)
//! for every map and for both halves of it; for a small classifier that is most
//! of the time a run takes. This reads the same data through the C API with
//! one allocator and no type queries beyond the element count. Any failure
//! returns `None` and the caller falls back to the safe path.

use std::ffi::c_void;
use std::ptr;

use ort::AsPointer;
use ort::sys::{OrtAllocator, OrtStatusPtr, OrtValue};
use ort::value::DynValue;

use super::output::{MapKey, MapValue};

/// Key type of a ZipMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Str,
    Int,
}

/// Owns an `OrtValue` from `GetValue`, released on drop.
struct Owned(*mut OrtValue);

impl Drop for Owned {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from GetValue and is released once.
            unsafe { (ort::api().ReleaseValue)(self.0) };
        }
    }
}

fn ok(status: OrtStatusPtr) -> Option<()> {
    if status.0.is_null() {
        Some(())
    } else {
        // SAFETY: a non-null status is owned by the caller and released once.
        unsafe { (ort::api().ReleaseStatus)(status.0) };
        None
    }
}

fn get(value: *const OrtValue, index: i32, allocator: *mut OrtAllocator) -> Option<Owned> {
    let mut out = ptr::null_mut();
    // SAFETY: `value` is a live map or sequence value; `out` receives a new value.
    ok(unsafe { (ort::api().GetValue)(value, index, allocator, &mut out) })?;
    (!out.is_null()).then_some(Owned(out))
}

fn element_count(value: *const OrtValue) -> Option<usize> {
    let api = ort::api();
    let mut info = ptr::null_mut();
    // SAFETY: `value` is a live tensor; the info is released below.
    ok(unsafe { (api.GetTensorTypeAndShape)(value, &mut info) })?;
    let mut count = 0usize;
    // SAFETY: `info` is live until released.
    let status = unsafe { (api.GetTensorShapeElementCount)(info, &mut count) };
    // SAFETY: released once.
    unsafe { (api.ReleaseTensorTypeAndShapeInfo)(info) };
    ok(status)?;
    Some(count)
}

fn data<T: Copy>(value: *mut OrtValue, count: usize) -> Option<Vec<T>> {
    if count == 0 {
        return Some(Vec::new());
    }
    let mut out: *mut c_void = ptr::null_mut();
    // SAFETY: `value` is a live tensor of `count` elements of type T (checked
    // by the caller through the output's declared type).
    ok(unsafe { (ort::api().GetTensorMutableData)(value, &mut out) })?;
    if out.is_null() {
        return None;
    }
    // SAFETY: as above; the data is copied before the tensor is released.
    Some(unsafe { std::slice::from_raw_parts(out.cast::<T>(), count) }.to_vec())
}

fn strings(value: *mut OrtValue, count: usize) -> Option<Vec<String>> {
    let api = ort::api();
    let mut len = 0usize;
    // SAFETY: `value` is a live string tensor.
    ok(unsafe { (api.GetStringTensorDataLength)(value, &mut len) })?;
    let mut buf = vec![0u8; len];
    let mut offsets = vec![0usize; count];
    // SAFETY: the buffers have the sizes ORT asked for.
    ok(unsafe {
        (api.GetStringTensorContent)(
            value,
            buf.as_mut_ptr().cast(),
            len,
            offsets.as_mut_ptr(),
            count,
        )
    })?;
    let mut out = Vec::with_capacity(count);
    for (i, start) in offsets.iter().enumerate() {
        let end = offsets.get(i + 1).copied().unwrap_or(len);
        out.push(String::from_utf8_lossy(buf.get(*start..end)?).into_owned());
    }
    Some(out)
}

/// The maps of a `seq(map(string|int64, float32))` output, or `None`.
pub(crate) fn sequence_of_maps(value: &DynValue, key: KeyKind) -> Option<Vec<MapValue>> {
    let api = ort::api();
    let seq = value.ptr();
    let mut allocator = ptr::null_mut();
    // SAFETY: the default allocator lives as long as the library.
    ok(unsafe { (api.GetAllocatorWithDefaultOptions)(&mut allocator) })?;
    let mut n = 0usize;
    // SAFETY: `seq` is a live sequence value.
    ok(unsafe { (api.GetValueCount)(seq, &mut n) })?;
    let mut maps = Vec::with_capacity(n);
    for i in 0..n {
        let map = get(seq, i32::try_from(i).ok()?, allocator)?;
        let keys = get(map.0, 0, allocator)?;
        let values = get(map.0, 1, allocator)?;
        let count = element_count(values.0)?;
        let probabilities: Vec<f32> = data(values.0, count)?;
        let keys: Vec<MapKey> = match key {
            KeyKind::Str => strings(keys.0, count)?
                .into_iter()
                .map(MapKey::Str)
                .collect(),
            KeyKind::Int => data::<i64>(keys.0, count)?
                .into_iter()
                .map(MapKey::Int)
                .collect(),
        };
        maps.push(MapValue {
            entries: keys
                .into_iter()
                .zip(probabilities.into_iter().map(f64::from))
                .collect(),
        });
    }
    Some(maps)
}
