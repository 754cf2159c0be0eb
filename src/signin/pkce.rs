//! PKCE (RFC 7636) with the CLI's parameters: a 64-character verifier from the unreserved set
//! and `code_challenge_method=SHA-256` (the service's spelling, not `S256`).

use rand::Rng;
use sha2::{Digest, Sha256};

const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    pub fn generate() -> Pkce {
        let mut rng = rand::rngs::OsRng;
        let verifier: String = (0..64)
            .map(|_| UNRESERVED[rng.gen_range(0..UNRESERVED.len())] as char)
            .collect();
        let challenge = challenge_of(&verifier);
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// base64url(SHA-256(verifier)) without padding: 43 characters.
pub fn challenge_of(verifier: &str) -> String {
    crate::jose::b64url(&Sha256::digest(verifier.as_bytes()))
}

/// A verifier the RFC allows: 43 to 128 unreserved characters.
pub fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| UNRESERVED.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_unpadded_base64url_sha256() {
        // Cross-checked with Python: urlsafe_b64encode(sha256(v).digest()) minus the '='.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mJ92IZ1AbZMiM7ksXVjHJjv8cXnmvk"),
            "Pvj9nWQ8X4brsbD3Gyz31xyqP_CsYzUJi1RT6zSrQz8"
        );
        let p = Pkce::generate();
        assert_eq!(p.verifier.len(), 64);
        assert!(valid_verifier(&p.verifier));
        assert_eq!(p.challenge.len(), 43);
    }
}
