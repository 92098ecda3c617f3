//! The cache profile (dev: no persistence; prod: the guide's snapshots), resolved in one place for
//! every command: `--profile` where a command has it, else IMCACHE_PROFILE from the environment,
//! else from the .env file. tune applies it; doctor judges persistence by it.

use std::path::Path;

pub use crate::cli::Profile;
use crate::error::{Error, Result};
use crate::settings::{Layer, Setting, Source, imcache_var};

pub const VAR: &str = "IMCACHE_PROFILE";

/// A profile and where it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub profile: Profile,
    pub source: Source,
}

/// A value of IMCACHE_PROFILE that is neither `dev` nor `prod`, and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub value: String,
    pub source: Source,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Prod => "prod",
        }
    }
}

/// IMCACHE_PROFILE from the environment, then from `env_file`; None when neither sets it. A
/// malformed .env is an error naming its line.
pub fn from_environment(env_file: &Path) -> Result<Option<std::result::Result<Chosen, Invalid>>> {
    let Some(Setting { value, source }) = imcache_var(env_file, VAR)? else {
        return Ok(None);
    };
    Ok(Some(match value.trim().to_ascii_lowercase().as_str() {
        "dev" => Ok(Chosen {
            profile: Profile::Dev,
            source,
        }),
        "prod" => Ok(Chosen {
            profile: Profile::Prod,
            source,
        }),
        _ => Err(Invalid { value, source }),
    }))
}

/// The flag when given, else IMCACHE_PROFILE; an invalid value is bad input (exit 2).
pub fn resolve(flag: Option<Profile>, env_file: &Path) -> Result<Option<Chosen>> {
    if let Some(profile) = flag {
        return Ok(Some(Chosen {
            profile,
            source: Source {
                layer: Layer::Flag,
                name: "--profile".into(),
            },
        }));
    }
    match from_environment(env_file)? {
        None => Ok(None),
        Some(Ok(chosen)) => Ok(Some(chosen)),
        Some(Err(Invalid { value, source })) => Err(Error::usage(format!(
            "{VAR}={value:?} ({source}) is neither dev nor prod"
        ))
        .with_hint(format!(
            "set {VAR}=dev (no persistence) or prod (snapshots), or pass --profile"
        ))),
    }
}
