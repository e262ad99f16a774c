//! A feature's weights as the store keeps them: one value of nine little-endian 32-bit
//! integers (one per class, in thousandths), so a feature is one row or hash field however
//! many classes it has weight for.

use crate::model::linear::{N, Weights};

/// Bytes of one packed value.
pub const BYTES: usize = 4 * N;

pub fn pack(w: &Weights) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// None when `bytes` is not a packed value.
pub fn unpack(bytes: &[u8]) -> Option<Weights> {
    if bytes.len() != BYTES {
        return None;
    }
    Some(std::array::from_fn(|c| {
        i32::from_le_bytes(bytes[4 * c..4 * c + 4].try_into().expect("four bytes"))
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn packs_and_unpacks() {
        let w = [0, -1, i32::MAX, i32::MIN, 5, 6, 7, 8, 9];
        assert_eq!(super::unpack(&super::pack(&w)), Some(w));
        assert_eq!(super::unpack(&[0; 5]), None);
    }
}
