//! The code the confirmation page shows in the remote (cross-device) flow: standard base64 of
//! `code=...&state=...`. Checked piece by piece so the user learns what is wrong with a paste.

use super::httpd::parse_query;
use crate::error::{Error, Kind, Result};
use crate::jose::b64_std_decode;

/// Returns the authorization code when `pasted` is well formed and belongs to this login.
pub fn parse(pasted: &str, expected_state: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::new(
            Kind::Login,
            format!("The authorization code is not valid: {why}"),
        )
    };
    let text: String = pasted.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Err(bad(
            "nothing was entered. Paste the code shown on the confirmation page after you sign in.",
        ));
    }
    let mut padded = text.clone();
    while padded.len() % 4 != 0 {
        padded.push('=');
    }
    let bytes = b64_std_decode(&padded).ok_or_else(|| {
        bad("it is not base64 text. Copy the whole code shown on the confirmation page, nothing else.")
    })?;
    let query = String::from_utf8(bytes).map_err(|_| {
        bad("it does not decode to text. Copy the whole code shown on the confirmation page.")
    })?;
    let params = parse_query(&query);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (code, state) = match (get("code"), get("state")) {
        (Some(c), Some(s)) => (c, s),
        (None, _) => {
            return Err(bad(
                "it has no authorization code in it. It may be cut short: copy the whole code.",
            ))
        }
        (_, None) => {
            return Err(bad(
                "it has no state in it. It may be cut short: copy the whole code.",
            ))
        }
    };
    if state != expected_state {
        return Err(bad(
            "it belongs to a different login (its state does not match this one). Open the URL this login printed and paste the code that page shows.",
        ));
    }
    Ok(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::b64_std;

    #[test]
    fn accepts_and_explains() {
        let good = b64_std(b"code=abc&state=s1");
        assert_eq!(parse(&format!("  {good}\n"), "s1").unwrap(), "abc");
        let no_pad = good.trim_end_matches('=').to_string();
        assert_eq!(parse(&no_pad, "s1").unwrap(), "abc");
        let e = |s: &str| parse(s, "s1").unwrap_err().message;
        assert!(e("").contains("nothing was entered"));
        assert!(e("!!!!").contains("not base64"));
        assert!(e(&b64_std(&[0xff, 0xfe])).contains("does not decode"));
        assert!(e(&b64_std(b"state=s1")).contains("no authorization code"));
        assert!(e(&b64_std(b"code=abc")).contains("no state"));
        assert!(e(&b64_std(b"code=abc&state=s2")).contains("different login"));
    }
}
