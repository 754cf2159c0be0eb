//! The small part of JOSE that AWS Sign-In uses: base64url, ES256 compact JWS with an embedded
//! P-256 JWK (DPoP proofs, RFC 9449), and reading a JWT's claims. Shared by the login client,
//! which signs, and the emulator, which verifies what awsrun, botocore and the Rust SDK sign.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::{EncodedPoint, ToEncodedPoint};
use p256::SecretKey;
use serde_json::{json, Map, Value};

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes base64url with or without padding.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

pub fn b64_std_decode(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).ok()
}

pub fn b64_std(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// A random UUID v4 in its usual text form (state, jti).
pub fn uuid4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A DPoP key: one per login session, stored in the cache as a SEC1 PEM block.
pub struct DpopKey {
    secret: SecretKey,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(..)")
    }
}

impl DpopKey {
    pub fn generate() -> DpopKey {
        DpopKey {
            secret: SecretKey::random(&mut rand::rngs::OsRng),
        }
    }

    /// Reads `-----BEGIN EC PRIVATE KEY-----` as botocore and the CLI write it.
    pub fn from_pem(pem: &str) -> Option<DpopKey> {
        SecretKey::from_sec1_pem(pem)
            .ok()
            .map(|secret| DpopKey { secret })
    }

    /// SEC1 `ECPrivateKey` DER with the curve OID and public key included (as the CLI's
    /// awscrt export writes it), in PEM with 64-column lines and a trailing newline.
    pub fn to_pem(&self) -> String {
        let d = self.secret.to_bytes();
        let point = self.secret.public_key().to_encoded_point(false);
        let mut der = Vec::with_capacity(121);
        der.extend_from_slice(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
        der.extend_from_slice(&d);
        // [0] namedCurve prime256v1 (1.2.840.10045.3.1.7)
        der.extend_from_slice(&[
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ]);
        // [1] publicKey BIT STRING, uncompressed point
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(point.as_bytes());
        let b64 = b64_std(&der);
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        pem
    }

    /// The public key as the JWK members in the order the real clients write them.
    pub fn jwk(&self) -> Value {
        let point = self.secret.public_key().to_encoded_point(false);
        let x = point.x().map(|x| b64url(x)).unwrap_or_default();
        let y = point.y().map(|y| b64url(y)).unwrap_or_default();
        json!({"kty": "EC", "x": x, "y": y, "crv": "P-256"})
    }

    /// An ES256 compact JWS over `header.payload`; the signature is raw r||s.
    pub fn sign_jws(&self, header: &Value, payload: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(payload.to_string().as_bytes())
        );
        let sig: Signature = SigningKey::from(&self.secret).sign(input.as_bytes());
        format!("{input}.{}", b64url(&sig.to_bytes()))
    }

    /// A DPoP proof for one POST to `htu` (SPEC §7).
    pub fn dpop_proof(&self, htu: &str, iat: u64) -> String {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()});
        let payload = json!({"htm": "POST", "htu": htu, "iat": iat, "jti": uuid4()});
        self.sign_jws(&header, &payload)
    }
}

/// A JWS whose ES256 signature checked out against the JWK in its own header.
#[derive(Debug, Clone)]
pub struct VerifiedJws {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
}

type JsonObject = Map<String, Value>;

/// Splits a compact JWS and decodes its header and payload, without checking anything.
pub fn decode_parts(jws: &str) -> Result<(JsonObject, JsonObject), String> {
    let parts: Vec<&str> = jws.split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "expected 3 dot-separated parts, got {}",
            parts.len()
        ));
    }
    let obj = |i: usize, what: &str| -> Result<Map<String, Value>, String> {
        let bytes = b64url_decode(parts[i]).ok_or_else(|| format!("{what} is not base64url"))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(format!("{what} is not a JSON object")),
        }
    };
    Ok((obj(0, "header")?, obj(1, "payload")?))
}

/// Verifies an ES256 JWS signed by the P-256 key its header's `jwk` names (a DPoP proof).
pub fn verify_embedded_jwk(jws: &str) -> Result<VerifiedJws, String> {
    let (header, payload) = decode_parts(jws)?;
    let jwk = header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or("header has no jwk object")?;
    let key = verifying_key(jwk)?;
    let (input, sig) = jws.rsplit_once('.').ok_or("no signature")?;
    let sig = b64url_decode(sig).ok_or("signature is not base64url")?;
    if sig.len() != 64 {
        return Err(format!(
            "signature must be 64 raw bytes (r||s), got {}",
            sig.len()
        ));
    }
    let sig = Signature::from_slice(&sig).map_err(|_| "signature is not a valid r||s pair")?;
    key.verify(input.as_bytes(), &sig)
        .map_err(|_| "signature does not verify against the embedded jwk")?;
    Ok(VerifiedJws { header, payload })
}

/// The P-256 public key of an EC JWK.
pub fn verifying_key(jwk: &Map<String, Value>) -> Result<VerifyingKey, String> {
    let s = |k: &str| jwk.get(k).and_then(Value::as_str);
    if s("kty") != Some("EC") {
        return Err("jwk kty must be EC".into());
    }
    if s("crv") != Some("P-256") {
        return Err("jwk crv must be P-256".into());
    }
    let coord = |k: &str| -> Result<Vec<u8>, String> {
        let v = s(k)
            .and_then(b64url_decode)
            .ok_or(format!("jwk {k} missing or not base64url"))?;
        if v.len() != 32 {
            return Err(format!("jwk {k} must be 32 bytes"));
        }
        Ok(v)
    };
    let (x, y) = (coord("x")?, coord("y")?);
    let point = EncodedPoint::<p256::NistP256>::from_affine_coordinates(
        x.as_slice().into(),
        y.as_slice().into(),
        false,
    );
    VerifyingKey::from_encoded_point(&point).map_err(|_| "jwk is not a point on P-256".into())
}

/// The claims of a JWT, unverified (the client only reads `sub` from the id token it was just
/// handed over TLS, as the CLI does).
pub fn jwt_claims(jwt: &str) -> Option<Map<String, Value>> {
    decode_parts(jwt).ok().map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpop_proof_round_trips() {
        let k = DpopKey::generate();
        let proof = k.dpop_proof("http://127.0.0.1:1/v1/token", 1_700_000_000);
        let v = verify_embedded_jwk(&proof).unwrap();
        assert_eq!(v.header["typ"], "dpop+jwt");
        assert_eq!(v.header["alg"], "ES256");
        assert_eq!(v.payload["htu"], "http://127.0.0.1:1/v1/token");
        assert_eq!(v.payload["iat"], 1_700_000_000u64);
        // A different key's signature must not verify under this header.
        let other = DpopKey::generate().dpop_proof("x", 1);
        let forged = format!(
            "{}.{}",
            proof.rsplit_once('.').unwrap().0,
            other.rsplit_once('.').unwrap().1
        );
        assert!(verify_embedded_jwk(&forged).is_err());
    }

    #[test]
    fn pem_layout_matches_the_cli() {
        let k = DpopKey::generate();
        let pem = k.to_pem();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END EC PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert!(
            pem.contains("\nMHcCAQEE"),
            "SEC1 with curve parameters, like the CLI"
        );
        let back = DpopKey::from_pem(&pem).unwrap();
        assert_eq!(back.jwk(), k.jwk());
    }

    #[test]
    fn reads_the_rust_sdk_test_key() {
        // The key and coordinates from aws-config's DPoP unit test.
        let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBMB/RwQERsVoqWRQG4zK8CnaAa5dfrpbm+9tFdBh3z4oAoGCCqGSM49\nAwEHoUQDQgAEWb1VLi1EA2hJaTz4yYuxSELvY+1GAfL+8rUTCAdiFid87Bf6GY+s\n2+1RpqDv0RpZiDIMCrZrsAh+RK9S3QCaGA==\n-----END EC PRIVATE KEY-----\n";
        let k = DpopKey::from_pem(pem).unwrap();
        assert_eq!(k.jwk()["x"], "Wb1VLi1EA2hJaTz4yYuxSELvY-1GAfL-8rUTCAdiFic");
        assert_eq!(k.jwk()["y"], "fOwX-hmPrNvtUaag79EaWYgyDAq2a7AIfkSvUt0Amhg");
    }

    #[test]
    fn uuid_shape() {
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
    }
}
