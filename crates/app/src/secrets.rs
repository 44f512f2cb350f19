//! Secrets at rest: a password typed into Fidelis (the SMTP password) is stored sealed with
//! ChaCha20-Poly1305 under the server's key — `FIDELIS_SECRET_KEY` (64 hex digits) or, without
//! it, `secret.key` in the data directory, made on first use and readable by its owner only. A
//! database dump alone does not reveal the password.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::path::Path;

/// The server's key for secrets at rest.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// What marks a sealed value.
const PREFIX: &str = "sealed:v1:";

impl SecretKey {
    /// The key from `FIDELIS_SECRET_KEY`, or the data directory's `secret.key` (made if absent).
    pub fn load(data_dir: &Path) -> Result<SecretKey, String> {
        if let Ok(hexed) = std::env::var("FIDELIS_SECRET_KEY") {
            return Self::from_hex(hexed.trim())
                .ok_or_else(|| "FIDELIS_SECRET_KEY: 64 hexadecimal digits".to_string());
        }
        let path = data_dir.join("secret.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Self::from_hex(text.trim())
                .ok_or_else(|| format!("{}: not a key (64 hexadecimal digits)", path.display()));
        }
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| "no system randomness".to_string())?;
        std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, hex::encode(key).as_bytes())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(SecretKey(key))
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(data_dir),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn from_hex(s: &str) -> Option<SecretKey> {
        let bytes = hex::decode(s).ok()?;
        Some(SecretKey(bytes.try_into().ok()?))
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &self.0).expect("a 32-byte key"))
    }

    /// `plain` sealed: a random nonce and the ciphertext with its tag, as text.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("system randomness");
        let mut buf = plain.as_bytes().to_vec();
        self.aead()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .expect("sealing cannot fail for this size");
        format!("{PREFIX}{}{}", hex::encode(nonce), hex::encode(buf))
    }

    /// A sealed value opened (None: not sealed by this key, or altered).
    pub fn open(&self, sealed: &str) -> Option<String> {
        let raw = hex::decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let mut buf = rest.to_vec();
        let plain = self
            .aead()
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).ok()?,
                Aad::empty(),
                &mut buf,
            )
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_unaltered() {
        let dir = tempfile::tempdir().unwrap();
        let k = SecretKey::load(dir.path()).unwrap();
        let again = SecretKey::load(dir.path()).unwrap();
        let s = k.seal("邮箱密码 p@ss");
        assert!(!s.contains("p@ss"));
        assert_ne!(s, k.seal("邮箱密码 p@ss"), "a fresh nonce each time");
        assert_eq!(again.open(&s).as_deref(), Some("邮箱密码 p@ss"));
        let other = SecretKey::load(tempfile::tempdir().unwrap().path()).unwrap();
        assert_eq!(other.open(&s), None);
        let mut altered = s.clone();
        altered.pop();
        altered.push(if s.ends_with('0') { '1' } else { '0' });
        assert_eq!(k.open(&altered), None);
        assert_eq!(k.open("plain"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
