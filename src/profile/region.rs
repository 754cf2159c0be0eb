//! Region (SPEC §4): `--region` > `AWS_REGION` > `AWS_DEFAULT_REGION` > the profile's `region`
//! (the credentials file wins over the config file). Instance metadata is never probed.

use super::Where;
use crate::awsfiles::{Files, Which};
use crate::env::Env;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub value: String,
    pub from: RegionFrom,
    /// Lower-ranked places that also set a region: (where, value).
    pub shadowed: Vec<(Where, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionFrom {
    Flag,
    Env(&'static str),
    /// A profile's `region`; the CLI reports even a credentials-file value as the config file.
    File(Where),
}

pub fn resolve(
    env: &Env,
    files: &Files,
    profile: &str,
    flag: Option<&str>,
) -> Result<Option<Region>> {
    let mut found: Vec<(RegionFrom, String)> = Vec::new();
    if let Some(r) = flag {
        found.push((RegionFrom::Flag, r.to_string()));
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(v) = env.get(var) {
            found.push((RegionFrom::Env(var), v.to_string()));
        }
    }
    // Both files' values, the one botocore uses (credentials file) first.
    for s in [
        files.credentials_get(profile, "region"),
        files.config_get(profile, "region"),
    ]
    .into_iter()
    .flatten()
    {
        found.push((
            RegionFrom::File(Where::file(files, &s)),
            s.text().to_string(),
        ));
    }
    let mut it = found.into_iter();
    let Some((from, value)) = it.next() else {
        return Ok(None);
    };
    let shadowed = it
        .map(|(f, v)| {
            let at = match f {
                RegionFrom::Flag => Where::Env(vec!["--region"]),
                RegionFrom::Env(var) => Where::Env(vec![var]),
                RegionFrom::File(w) => w,
            };
            (at, v)
        })
        .collect();
    Ok(Some(Region {
        value,
        from,
        shadowed,
    }))
}

impl Region {
    /// TYPE and LOCATION as `aws configure list` prints them.
    pub fn list_columns(&self, files: &Files) -> (&'static str, String) {
        match &self.from {
            RegionFrom::Flag => ("parameter", "--region".into()),
            RegionFrom::Env(_) => ("env", "['AWS_REGION', 'AWS_DEFAULT_REGION']".into()),
            RegionFrom::File(_) => ("config-file", files.file(Which::Config).shown.clone()),
        }
    }
}
