//! Credentials themselves: the keys a source yields, and the sources that produce them without
//! a network call. (Sources that need AWS, such as assume-role or SSO, live with the exec runner.)

pub mod live;
pub mod login;
pub mod process;
pub mod sso;

/// A set of AWS keys. Debug prints only the access key id: the rest is secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// ISO 8601, as the source gave it.
    pub expiration: Option<String>,
    pub account_id: Option<String>,
}

impl Keys {
    /// Keys with no session token and no expiry (the old EC2 tools' file, a boto config).
    pub fn long_lived(access_key_id: String, secret_access_key: String) -> Keys {
        Keys {
            access_key_id,
            secret_access_key,
            session_token: None,
            expiration: None,
            account_id: None,
        }
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl From<crate::cache::CachedKeys> for Keys {
    fn from(c: crate::cache::CachedKeys) -> Keys {
        Keys {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.session_token),
            expiration: c.expires_at,
            account_id: c.account_id,
        }
    }
}

/// `aws configure list` masking: 16 `*` then the last 4 characters; shorter values stay whole.
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    if n <= 4 {
        return value.to_string();
    }
    let tail: String = value.chars().skip(n - 4).collect();
    format!("{}{tail}", "*".repeat(16))
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_like_configure_list() {
        assert_eq!(super::mask("AKIAEXAMPLE00000001"), "****************0001");
        assert_eq!(super::mask("abcd"), "abcd");
        assert_eq!(super::mask("abcde"), "****************bcde");
    }
}
