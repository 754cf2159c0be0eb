//! Login sessions as a credential source: the cached keys, renewed through the sign-in token
//! endpoint when they age.

use crate::cache::{cache_path, Cache};
use crate::env::Env;
use crate::error::{Error, Kind, Result};

use super::live::seconds_left;
use super::Keys;

pub async fn fresh_keys(env: &Env, profile: &str, session: &str, threshold: i64) -> Result<Keys> {
    let path = cache_path(env, session);
    let cache = Cache::load(&path, session)?;
    let keys: Keys = cache.keys()?.into();
    match seconds_left(&keys) {
        Some(left) if left <= threshold => Err(Error::new(
            Kind::Login,
            format!("The login session for profile {profile} needs a refresh, which this build cannot do yet"),
        )),
        _ => Ok(keys),
    }
}
