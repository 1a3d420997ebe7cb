//! Base64 with the URL-safe alphabet and no padding, as node ids and cursors travel, written
//! and read without the `base64` engine's set-up: a response writes one id per node and a
//! request reads its ids and cursor, a few bytes each. Anything the fast reading does not
//! accept goes to the engine, so what is accepted and refused is exactly the engine's.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Each byte's 6-bit value, or 0xFF for a byte outside the alphabet.
const VALUES: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Appends the text of `raw` to `out`.
pub fn encode_into(raw: &[u8], out: &mut Vec<u8>) {
    let sym = |v: u32| ALPHABET[(v & 63) as usize];
    let mut chunks = raw.chunks_exact(3);
    for c in &mut chunks {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[sym(v >> 18), sym(v >> 12), sym(v >> 6), sym(v)]);
    }
    match *chunks.remainder() {
        [a] => {
            let v = u32::from(a) << 16;
            out.extend_from_slice(&[sym(v >> 18), sym(v >> 12)]);
        }
        [a, b] => {
            let v = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[sym(v >> 18), sym(v >> 12), sym(v >> 6)]);
        }
        _ => {}
    }
}

/// The bytes `text` encodes; the engine's error for anything it refuses.
pub fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    match decode_canonical(text.as_bytes()) {
        Some(bytes) => Ok(bytes),
        None => URL_SAFE_NO_PAD.decode(text),
    }
}

/// Text of the alphabet only, of a length base64 can have, whose last symbol carries no
/// bits beyond the data (the engine refuses the others); None for anything else.
fn decode_canonical(t: &[u8]) -> Option<Vec<u8>> {
    if t.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(t.len() / 4 * 3 + 2);
    let val = |c: u8| -> Option<u32> {
        let v = VALUES[usize::from(c)];
        (v != 0xFF).then_some(u32::from(v))
    };
    let mut chunks = t.chunks_exact(4);
    for c in &mut chunks {
        let v = (val(c[0])? << 18) | (val(c[1])? << 12) | (val(c[2])? << 6) | val(c[3])?;
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    match *chunks.remainder() {
        [a, b] => {
            let b = val(b)?;
            if b & 0x0F != 0 {
                return None;
            }
            out.push(((val(a)? << 2) | (b >> 4)) as u8);
        }
        [a, b, c] => {
            let c = val(c)?;
            if c & 0x03 != 0 {
                return None;
            }
            let v = (val(a)? << 18) | (val(b)? << 12) | (c << 6);
            out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8]);
        }
        _ => {}
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn writing_matches_the_engine_at_every_length() {
        let bytes: Vec<u8> = (0..=255u8).rev().collect();
        for len in 0..=40 {
            for start in (0..200).step_by(37) {
                let raw = &bytes[start..start + len];
                let mut out = Vec::new();
                encode_into(raw, &mut out);
                assert_eq!(out, URL_SAFE_NO_PAD.encode(raw).into_bytes(), "{raw:?}");
                assert_eq!(decode_canonical(&out), Some(raw.to_vec()));
            }
        }
    }

    #[test]
    fn every_short_tail_is_accepted_or_refused_as_the_engine_does() {
        // The last symbols decide the trailing bits: every 2- and 3-symbol tail, after a
        // whole group and alone.
        for a in ALPHABET {
            for b in ALPHABET {
                for tail in [vec![*a, *b], vec![b'Q', *a, *b]] {
                    for prefix in ["", "AAAA"] {
                        let text = format!("{prefix}{}", String::from_utf8_lossy(&tail));
                        assert_eq!(
                            decode(&text).ok(),
                            URL_SAFE_NO_PAD.decode(&text).ok(),
                            "{text}"
                        );
                    }
                }
            }
        }
    }

    proptest! {
        /// Any text, valid or not: the same bytes as the engine, or an error where it errs.
        #[test]
        fn reading_agrees_with_the_engine(text in "[A-Za-z0-9_=+/ -]{0,40}") {
            let ours = decode(&text).ok();
            let engine = URL_SAFE_NO_PAD.decode(&text).ok();
            prop_assert_eq!(ours, engine);
        }

        #[test]
        fn what_is_written_reads_back(raw in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut text = Vec::new();
            encode_into(&raw, &mut text);
            prop_assert_eq!(decode_canonical(&text), Some(raw));
        }
    }
}
