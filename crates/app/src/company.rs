//! The company as its customers see it: its name and logo head the public survey form (and
//! could head e-mails). Administrators set them; the logo is a PNG or JPEG of at most
//! [`LOGO_MAX`] bytes kept in the store.

use crate::{say, Actor, App, AppError};
use domain::access::Permission;
use serde::Serialize;

const NAME_KEY: &str = "company.name";
const LOGO_KEY: &str = "company.logo";
/// The largest logo taken, in bytes.
pub const LOGO_MAX: usize = 256 * 1024;

/// What customers see of the company.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Company {
    pub name: String,
    pub has_logo: bool,
}

/// A logo's content type from its first bytes: PNG or JPEG only (an SVG could carry script).
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

impl App {
    pub async fn company(&self) -> Result<Company, AppError> {
        Ok(Company {
            name: self.store.setting(NAME_KEY).await?.unwrap_or_default(),
            has_logo: self.store.setting(LOGO_KEY).await?.is_some(),
        })
    }

    /// The logo's content type and bytes, if there is one.
    pub async fn company_logo(&self) -> Result<Option<(&'static str, Vec<u8>)>, AppError> {
        Ok(self
            .store
            .setting(LOGO_KEY)
            .await?
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| image_type(&b).map(|t| (t, b))))
    }

    pub async fn set_company_name(&self, actor: &Actor, name: &str) -> Result<Company, AppError> {
        actor.require(Permission::ManageUsers)?;
        let name = name.trim();
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AppError::field(
                actor.lang,
                "name",
                say(actor.lang, "名称最多 100 字", "at most 100 characters"),
            ));
        }
        self.store.set_setting(NAME_KEY, name).await?;
        self.company().await
    }

    /// Replace the logo (empty bytes: remove it).
    pub async fn set_company_logo(&self, actor: &Actor, bytes: &[u8]) -> Result<Company, AppError> {
        actor.require(Permission::ManageUsers)?;
        let lang = actor.lang;
        if bytes.is_empty() {
            self.store.delete_setting(LOGO_KEY).await?;
            return self.company().await;
        }
        if bytes.len() > LOGO_MAX {
            return Err(AppError::field(
                lang,
                "logo",
                say(lang, "图片最大 256 KB", "at most 256 KB"),
            ));
        }
        if image_type(bytes).is_none() {
            return Err(AppError::field(
                lang,
                "logo",
                say(lang, "请用 PNG 或 JPEG 图片", "a PNG or JPEG image, please"),
            ));
        }
        self.store
            .set_setting(LOGO_KEY, &hex::encode(bytes))
            .await?;
        self.company().await
    }
}

#[cfg(test)]
mod tests {
    use super::image_type;

    #[test]
    fn only_png_and_jpeg_are_logos() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b"GIF89a"), None);
    }
}
