//! Prometheus's label-set hash (`labels.Labels.Hash`: XXH64 of the encoded label set).
//!
//! Only `limit_ratio` depends on the exact value (it samples series by hash), but it must select the same
//! series as Prometheus, so this is XXH64 with seed 0, written out here rather than pulled in as a crate for
//! one function.

use crate::engine::value::Labels;

const P1: u64 = 11400714785074694791;
const P2: u64 = 14029467366897019727;
const P3: u64 = 1609587929392839161;
const P4: u64 = 9650029242287828579;
const P5: u64 = 2870177450012600261;

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}

fn merge_round(acc: u64, val: u64) -> u64 {
    let val = round(0, val);
    (acc ^ val).wrapping_mul(P1).wrapping_add(P4)
}

fn read_u64(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(i..i + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

fn read_u32(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(i..i + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a) as u64
}

/// XXH64 with seed 0.
pub fn xxhash64(b: &[u8]) -> u64 {
    let n = b.len();
    let mut i = 0;
    let mut h: u64;
    if n >= 32 {
        let (mut v1, mut v2, mut v3, mut v4) = (P1.wrapping_add(P2), P2, 0u64, 0u64.wrapping_sub(P1));
        while i + 32 <= n {
            v1 = round(v1, read_u64(b, i));
            v2 = round(v2, read_u64(b, i + 8));
            v3 = round(v3, read_u64(b, i + 16));
            v4 = round(v4, read_u64(b, i + 24));
            i += 32;
        }
        h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        h = merge_round(h, v1);
        h = merge_round(h, v2);
        h = merge_round(h, v3);
        h = merge_round(h, v4);
    } else {
        h = P5;
    }
    h = h.wrapping_add(n as u64);
    while i + 8 <= n {
        let k1 = round(0, read_u64(b, i));
        h ^= k1;
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        i += 8;
    }
    if i + 4 <= n {
        h ^= read_u32(b, i).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        i += 4;
    }
    while i < n {
        h ^= (b.get(i).copied().unwrap_or(0) as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
        i += 1;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

/// `labels.Labels.Hash()` of Prometheus 3.5's default label representation (`stringlabels`): XXH64 of
/// the labels encoded as uvarint-length-prefixed name and value, in order. (The older `slicelabels`
/// build hashed `name 0xff value 0xff ...` instead; promtool 3.5.3 selects series like this one.)
pub fn labels_hash(l: &Labels) -> u64 {
    let mut b = Vec::with_capacity(128);
    let put = |s: &str, b: &mut Vec<u8>| {
        let mut n = s.len() as u64;
        while n >= 0x80 {
            b.push((n as u8) | 0x80);
            n >>= 7;
        }
        b.push(n as u8);
        b.extend_from_slice(s.as_bytes());
    };
    for x in l.iter() {
        put(&x.name, &mut b);
        put(&x.value, &mut b);
    }
    xxhash64(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_reference_values() {
        assert_eq!(xxhash64(b""), 0xef46db3751d8e999);
        assert_eq!(xxhash64(b"a"), 0xd24ec4f1a98c6e5b);
        assert_eq!(xxhash64(b"abc"), 0x44bc2cf5ad770999);
        assert_eq!(xxhash64(b"Nobody inspects the spammish repetition"), 0xfbcea83c8a378bf1);
    }
}
