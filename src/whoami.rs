//! `awsrun whoami`: STS GetCallerIdentity with the profile's credentials.

use crate::cli::{ExecOpts, Global};
use crate::env::Env;
use crate::error::{Error, Kind, Result};

pub fn run(global: &Global, json: bool, env: &Env) -> i32 {
    match identity(global, env) {
        Ok(id) => {
            if json {
                let v =
                    serde_json::json!({"UserId": id.user_id, "Account": id.account, "Arn": id.arn});
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                println!(
                    "Account: {}\nArn:     {}\nUserId:  {}",
                    id.account, id.arn, id.user_id
                );
            }
            0
        }
        Err(e) => {
            eprintln!("awsrun: error: {e}");
            1
        }
    }
}

fn identity(global: &Global, env: &Env) -> Result<crate::sts::Identity> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Kind::Io, e.to_string()))?;
    let opts = ExecOpts {
        env: true,
        ..Default::default()
    };
    let plan = crate::exec::prepare(global, &opts, env, &rt)?;
    let region = plan.region.clone().unwrap_or_else(|| "us-east-1".into());
    let endpoint = crate::sts::endpoint(env, &region);
    rt.block_on(crate::sts::get_caller_identity(
        env, &plan.keys, &region, &endpoint,
    ))
}
