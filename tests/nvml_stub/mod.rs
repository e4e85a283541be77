//! Builds the stub `libnvidia-ml.so` (nvml_stub.c) with the `cc` crate once
//! per test process, and hands out copies of it, each with its own
//! configuration file beside it: a copy is a new file, so the dynamic loader
//! loads it as a separate library with its own state and call counter.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvml_stub/nvml_stub.c");

/// The compiled stub, built on first use into a temporary directory.
fn built() -> &'static Path {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir for the NVML stub");
        let out = dir.path().join("libnvidia-ml.so");
        let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
        let compiler = cc::Build::new()
            .target(&target)
            .host(&target)
            .opt_level(1)
            .cargo_metadata(false)
            .get_compiler();
        let status = compiler
            .to_command()
            .args(["-shared", "-fPIC", "-o"])
            .arg(&out)
            .arg(SOURCE)
            .status()
            .expect("run the C compiler");
        assert!(status.success(), "the NVML stub did not compile");
        (dir, out)
    });
    path
}

/// One configured copy of the stub library.
pub struct Stub {
    _dir: tempfile::TempDir,
    pub lib: PathBuf,
    counter: libloading::Library,
}

impl Stub {
    /// A copy configured with `conf` ("devices=4\nfail=1:temperature\n...",
    /// see nvml_stub.c).
    pub fn new(conf: &str) -> Stub {
        Stub::copy(Some(conf))
    }

    /// A copy without a configuration file: it reads the `NVML_STUB_*`
    /// environment variables of the process that loads it.
    pub fn from_env() -> Stub {
        Stub::copy(None)
    }

    fn copy(conf: Option<&str>) -> Stub {
        let dir = tempfile::tempdir().expect("tempdir for a stub copy");
        let lib = dir.path().join("libnvidia-ml.so.1");
        std::fs::copy(built(), &lib).expect("copy the stub");
        if let Some(conf) = conf {
            std::fs::write(dir.path().join("libnvidia-ml.so.1.conf"), conf).expect("stub config");
        }
        // SAFETY: the stub's initialisers only zero its own statics.
        let counter = unsafe { libloading::Library::new(&lib) }.expect("load the stub");
        Stub {
            _dir: dir,
            lib,
            counter,
        }
    }

    /// How many NVML calls this copy has answered.
    pub fn calls(&self) -> u64 {
        self.counter(b"nvmlStubCallCount")
    }

    /// How many times NVML was initialised in this copy.
    pub fn inits(&self) -> u64 {
        self.counter(b"nvmlStubInitCount")
    }

    // c_ulong is u64 on 64-bit Linux only.
    #[allow(clippy::useless_conversion)]
    fn counter(&self, name: &[u8]) -> u64 {
        // SAFETY: the stub's counters take nothing and return an unsigned long.
        unsafe {
            let f: libloading::Symbol<unsafe extern "C" fn() -> std::ffi::c_ulong> = self
                .counter
                .get(name)
                .expect("the stub exports its counters");
            u64::from(f())
        }
    }
}
