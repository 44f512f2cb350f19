//! Personal survey links (SPEC.md §2.3, distribution): `/s/{id}-{mac}`, where the mac is an
//! HMAC-SHA256, under the store's own secret, of the invitation's id, wave and customer (128
//! bits of it, hex). The expiry is checked against the stored invitation, so a wave's links can
//! be extended without sending new ones. Nothing guessable: without the secret no other valid link can be
//! made, and a link whose id or mac was altered — including one edited to point at another
//! customer's invitation — fails the check before anything is read or written. The same
//! invitation always gives the same link, so links can be exported again at any time.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use storage::surveys::Invitation;

/// The settings key of the link secret (32 random bytes, hex; made on first use).
const SECRET_KEY: &str = "survey_link_secret";

pub(crate) async fn secret(store: &storage::Store) -> Result<String, storage::StoreError> {
    store
        .setting_or_init(SECRET_KEY, || {
            let mut b = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut b);
            hex::encode(b)
        })
        .await
}

fn mac(secret: &str, id: i64, wave_id: i64, customer_id: i64) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    m.update(format!("fidelis-survey-invitation\0{id}\0{wave_id}\0{customer_id}").as_bytes());
    m
}

/// The token of an invitation.
pub fn token(secret: &str, id: i64, wave_id: i64, customer_id: i64) -> String {
    let tag = mac(secret, id, wave_id, customer_id)
        .finalize()
        .into_bytes();
    format!("{id}-{}", hex::encode(&tag[..16]))
}

/// The invitation id a token claims (to be checked with [`verify`] once it is loaded).
pub fn claimed_id(token: &str) -> Option<i64> {
    let (id, tag) = token.split_once('-')?;
    (tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| id.parse::<i64>().ok())
        .flatten()
        .filter(|id| *id > 0)
}

/// Does the token belong to this invitation? (Constant-time comparison of the mac.)
pub fn verify(secret: &str, token: &str, inv: &Invitation) -> bool {
    let Some((_, tag)) = token.split_once('-') else {
        return false;
    };
    match hex::decode(tag) {
        Ok(bytes) if bytes.len() == 16 => mac(secret, inv.id, inv.wave_id, inv.customer_id)
            .verify_truncated_left(&bytes)
            .is_ok(),
        _ => false,
    }
}

fn tag(secret: &str, message: &str, bytes: usize) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    m.update(message.as_bytes());
    hex::encode(&m.finalize().into_bytes()[..bytes])
}

/// A wave's open link token (`o{wave}-{mac}`): anyone with it may answer, anonymously.
pub fn open_token(secret: &str, wave_id: i64) -> String {
    format!(
        "o{wave_id}-{}",
        tag(secret, &format!("fidelis-survey-open\0{wave_id}"), 16)
    )
}

/// The wave of a genuine open link token.
pub fn open_wave(secret: &str, token: &str) -> Option<i64> {
    let (id, mac) = token.strip_prefix('o')?.split_once('-')?;
    let wave: i64 = id.parse().ok().filter(|w| *w > 0)?;
    let want = open_token(secret, wave);
    let got = format!("o{id}-{mac}");
    // Constant-time comparison of equal-length strings.
    (want.len() == got.len()
        && want
            .bytes()
            .zip(got.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0)
        .then_some(wave)
}

pub fn is_open(token: &str) -> bool {
    token.starts_with('o')
}

/// When an open form was shown, signed so it cannot be backdated: `{unix}.{mac}`.
pub fn stamp(secret: &str, wave_id: i64, unix: i64) -> String {
    format!(
        "{unix}.{}",
        tag(
            secret,
            &format!("fidelis-survey-shown\0{wave_id}\0{unix}"),
            8
        )
    )
}

/// Seconds since a genuine stamp was made, or None for a forged or malformed one.
pub fn stamp_age(secret: &str, wave_id: i64, s: &str, now: i64) -> Option<i64> {
    let (unix, _) = s.split_once('.')?;
    let unix: i64 = unix.parse().ok()?;
    (stamp(secret, wave_id, unix) == s).then_some(now - unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(id: i64, customer_id: i64) -> Invitation {
        Invitation {
            id,
            wave_id: 3,
            customer_id,
            expires_at: "2027-01-01T00:00:00.000000Z".into(),
            wave_status: "open".into(),
            survey_id: 1,
            questionnaire: serde_json::Value::Null,
            response_status: None,
            answers: serde_json::Value::Null,
        }
    }

    #[test]
    fn links_verify_only_for_their_own_invitation() {
        let s = "k".repeat(64);
        let a = inv(7, 100);
        let t = token(&s, 7, 3, 100);
        assert_eq!(claimed_id(&t), Some(7));
        assert!(verify(&s, &t, &a));
        assert_eq!(t, token(&s, 7, 3, 100), "stable");
        // Another customer's invitation, another secret, an edited mac or id: refused.
        assert!(!verify(&s, &t, &inv(7, 101)));
        assert!(!verify(&"j".repeat(64), &t, &a));
        let mut edited = t.clone().into_bytes();
        let last = edited.len() - 1;
        edited[last] = if edited[last] == b'0' { b'1' } else { b'0' };
        assert!(!verify(&s, std::str::from_utf8(&edited).unwrap(), &a));
        let moved = t.replacen("7-", "8-", 1);
        assert_eq!(claimed_id(&moved), Some(8));
        assert!(!verify(&s, &moved, &inv(8, 100)));
        for bad in [
            "",
            "7",
            "7-",
            "x-0123456789abcdef0123456789abcdef",
            "7-zz",
            "-1-00",
        ] {
            assert!(claimed_id(bad).is_none() || !verify(&s, bad, &a), "{bad}");
        }
        let short = &t[..t.len() - 2];
        assert!(!verify(&s, short, &a), "a truncated mac is refused");
    }

    #[test]
    fn open_links_and_stamps_are_signed() {
        let s = "k".repeat(64);
        let t = open_token(&s, 12);
        assert!(is_open(&t) && !is_open(&token(&s, 12, 3, 4)));
        assert_eq!(open_wave(&s, &t), Some(12));
        assert_eq!(open_wave(&s, &t.replacen("o12", "o13", 1)), None);
        assert_eq!(open_wave(&"j".repeat(64), &t), None);
        assert_eq!(open_wave(&s, "o12-00"), None);
        let st = stamp(&s, 12, 1000);
        assert_eq!(stamp_age(&s, 12, &st, 1010), Some(10));
        assert_eq!(stamp_age(&s, 13, &st, 1010), None, "another wave's stamp");
        assert_eq!(
            stamp_age(&s, 12, &st.replacen("1000", "900", 1), 1010),
            None,
            "backdated"
        );
    }
}
