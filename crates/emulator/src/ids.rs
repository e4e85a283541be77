//! Identifiers: uids, `generateName` suffixes and the FNV hashes Argo uses
//! for node ids and pod names. All draw from seeded generators so a seed
//! reproduces the same cluster.

/// A random (version 4 layout) UUID string.
pub fn uid(rng: &mut fastrand::Rng) -> String {
    let a = rng.u64(..);
    let b = rng.u64(..);
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The alphabet apiserver uses for `generateName` suffixes (no vowels).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A random suffix of `n` characters from the apiserver's alphabet.
pub fn suffix(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALPHANUMS[rng.usize(..ALPHANUMS.len())]))
        .collect()
}

/// 32-bit FNV-1a, as Argo hashes node names.
pub fn fnv32a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A stable 64-bit hash of a string (FNV-1a), for per-object seeds.
pub fn hash64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A pod-template-hash style 10 character suffix derived from `s`.
pub fn template_hash(s: &str) -> String {
    let mut rng = fastrand::Rng::with_seed(hash64(s));
    suffix(&mut rng, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_shape() {
        let mut rng = fastrand::Rng::with_seed(1);
        let u = uid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_eq!(u.matches('-').count(), 4);
        assert_ne!(u, uid(&mut rng));
    }

    #[test]
    fn fnv_matches_reference() {
        assert_eq!(fnv32a(""), 0x811c_9dc5);
        assert_eq!(fnv32a("a"), 0xe40c_292c);
        assert_eq!(suffix(&mut fastrand::Rng::with_seed(3), 5).len(), 5);
    }
}
