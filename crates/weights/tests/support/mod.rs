//! What the weight readers' integration tests share.

/// Deterministic bytes (splitmix64): every bit pattern, NaNs, infinities and subnormals included.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// A one-tensor `.safetensors` file (tensor `t`) of `dtype` (`F32`, `BF16`, ...) holding `data` as it is.
pub fn safetensors(dtype: &str, elements: usize, data: &[u8]) -> Vec<u8> {
    let mut header = format!(r#"{{"t":{{"dtype":"{dtype}","shape":[{elements}],"data_offsets":[0,{}]}}}}"#, data.len());
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    file.extend_from_slice(data);
    file
}
