//! The wire format: ZeroMQ multipart frames <-> [`Message`], with HMAC signatures.
//!
//! ```text
//! [identities...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//! ```
//!
//! The signature is the hex HMAC-SHA256, keyed by the connection file's `key`, over the four
//! JSON frames (buffers are not signed). With an empty key messages are not signed and any
//! signature is accepted, as the spec says.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::message::Message;

/// Separates routing identities from the message proper.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Why a multipart message could not be turned into a [`Message`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// No `<IDS|MSG>` frame.
    #[error("no <IDS|MSG> delimiter frame")]
    MissingDelimiter,
    /// Fewer than the signature and four JSON frames after the delimiter.
    #[error("expected a signature and 4 JSON frames after the delimiter, found {found} frames")]
    MissingFrames {
        /// How many frames followed the delimiter.
        found: usize,
    },
    /// The connection has a key but the message carries no signature.
    #[error("message is not signed")]
    MissingSignature,
    /// The signature does not match the content.
    #[error("invalid signature")]
    BadSignature,
    /// A JSON frame does not parse.
    #[error("malformed JSON in the {frame} frame: {source}")]
    Json {
        /// Which frame: header, parent_header, metadata or content.
        frame: &'static str,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The connection file names a signature scheme other than hmac-sha256.
    #[error("unsupported signature scheme {0:?} (only hmac-sha256 is supported)")]
    UnsupportedScheme(String),
}

/// Signs outgoing and verifies incoming messages with the connection's key.
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("signing", &self.mac.is_some())
            .finish()
    }
}

impl Signer {
    /// A signer for `scheme` (as in the connection file) and `key`; an empty key disables
    /// signing.
    pub fn new(scheme: &str, key: &str) -> Result<Signer, WireError> {
        if key.is_empty() {
            return Ok(Signer { mac: None });
        }
        if scheme != "hmac-sha256" {
            return Err(WireError::UnsupportedScheme(scheme.to_owned()));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
            .map_err(|_| WireError::UnsupportedScheme(scheme.to_owned()))?;
        Ok(Signer { mac: Some(mac) })
    }

    /// The hex signature of the four JSON frames (empty when signing is off).
    pub fn sign(&self, frames: &[&[u8]; 4]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for frame in frames {
                    mac.update(frame);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Checks `signature` against the four JSON frames, in constant time.
    pub fn verify(&self, frames: &[&[u8]; 4], signature: &[u8]) -> Result<(), WireError> {
        let Some(mac) = &self.mac else {
            return Ok(());
        };
        if signature.is_empty() {
            return Err(WireError::MissingSignature);
        }
        let signature = hex::decode(signature).map_err(|_| WireError::BadSignature)?;
        let mut mac = mac.clone();
        for frame in frames {
            mac.update(frame);
        }
        mac.verify_slice(&signature)
            .map_err(|_| WireError::BadSignature)
    }
}

/// Decodes and verifies one multipart message.
pub fn decode(frames: Vec<Bytes>, signer: &Signer) -> Result<Message, WireError> {
    let delimiter = frames
        .iter()
        .position(|frame| frame.as_ref() == DELIMITER)
        .ok_or(WireError::MissingDelimiter)?;
    let mut frames = frames;
    let rest = frames.split_off(delimiter + 1);
    frames.pop(); // the delimiter itself
    let identities = frames;
    if rest.len() < 5 {
        return Err(WireError::MissingFrames { found: rest.len() });
    }
    let json: [&[u8]; 4] = [&rest[1], &rest[2], &rest[3], &rest[4]];
    signer.verify(&json, &rest[0])?;

    let header = parse_frame(json[0], "header")?;
    let parent = parse_frame::<Value>(json[1], "parent_header")?;
    // An empty object (or null) means "no parent".
    let parent_header = match parent {
        Value::Object(ref map) if map.is_empty() => None,
        Value::Null => None,
        other => Some(
            serde_json::from_value(other).map_err(|source| WireError::Json {
                frame: "parent_header",
                source,
            })?,
        ),
    };
    let metadata = parse_frame(json[2], "metadata")?;
    let content = parse_frame(json[3], "content")?;
    Ok(Message {
        identities,
        header,
        parent_header,
        metadata,
        content,
        buffers: rest[5..].to_vec(),
    })
}

fn parse_frame<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    frame: &'static str,
) -> Result<T, WireError> {
    serde_json::from_slice(bytes).map_err(|source| WireError::Json { frame, source })
}

/// Encodes and signs one message into multipart frames.
pub fn encode(message: &Message, signer: &Signer) -> Vec<Bytes> {
    let header = json_frame(&message.header);
    let parent = match &message.parent_header {
        Some(parent) => json_frame(parent),
        None => Bytes::from_static(b"{}"),
    };
    let metadata = json_frame(&message.metadata);
    let content = json_frame(&message.content);
    let signature = signer.sign(&[&header, &parent, &metadata, &content]);

    let mut frames = message.identities.clone();
    frames.push(Bytes::from_static(DELIMITER));
    frames.push(Bytes::from(signature));
    frames.extend([header, parent, metadata, content]);
    frames.extend(message.buffers.iter().cloned());
    frames
}

fn json_frame(value: &impl serde::Serialize) -> Bytes {
    // Headers and JSON values always serialize; an empty object keeps the frame well-formed.
    Bytes::from(serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Session;
    use serde_json::json;

    fn sample() -> Message {
        let mut message = Message::orphan(&Session::new(), "kernel_info_request", json!({}));
        message.identities = vec![Bytes::from_static(b"client-1")];
        message
    }

    #[test]
    fn round_trip_with_signature() {
        let signer = Signer::new("hmac-sha256", "secret").unwrap();
        let message = sample();
        let decoded = decode(encode(&message, &signer), &signer).unwrap();
        assert_eq!(decoded.identities, message.identities);
        assert_eq!(decoded.header.msg_id, message.header.msg_id);
        assert!(decoded.parent_header.is_none());
    }

    #[test]
    fn signature_matches_reference_hmac() {
        // Python: hmac.new(b"key", b"abcd", hashlib.sha256).hexdigest()
        let signer = Signer::new("hmac-sha256", "key").unwrap();
        assert_eq!(
            signer.sign(&[b"a", b"b", b"c", b"d"]),
            "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
        );
    }

    #[test]
    fn tampered_content_is_rejected() {
        let signer = Signer::new("hmac-sha256", "secret").unwrap();
        let mut frames = encode(&sample(), &signer);
        let last = frames.len() - 1;
        frames[last] = Bytes::from_static(br#"{"evil": true}"#);
        assert!(matches!(
            decode(frames, &signer),
            Err(WireError::BadSignature)
        ));
    }

    #[test]
    fn wrong_key_and_missing_signature_are_rejected() {
        let good = Signer::new("hmac-sha256", "secret").unwrap();
        let other = Signer::new("hmac-sha256", "other").unwrap();
        let frames = encode(&sample(), &other);
        assert!(matches!(
            decode(frames, &good),
            Err(WireError::BadSignature)
        ));

        let unsigned = encode(&sample(), &Signer::new("", "").unwrap());
        assert!(matches!(
            decode(unsigned, &good),
            Err(WireError::MissingSignature)
        ));
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        let signer = Signer::new("", "").unwrap();
        assert!(matches!(
            decode(vec![Bytes::from_static(b"x")], &signer),
            Err(WireError::MissingDelimiter)
        ));
        let short = vec![Bytes::from_static(DELIMITER), Bytes::new()];
        assert!(matches!(
            decode(short, &signer),
            Err(WireError::MissingFrames { found: 1 })
        ));
        let mut frames = encode(&sample(), &signer);
        let content = frames.len() - 1;
        frames[content] = Bytes::from_static(b"{not json");
        assert!(matches!(
            decode(frames, &signer),
            Err(WireError::Json {
                frame: "content",
                ..
            })
        ));
    }

    #[test]
    fn only_hmac_sha256_is_accepted() {
        assert!(matches!(
            Signer::new("hmac-md5", "k"),
            Err(WireError::UnsupportedScheme(_))
        ));
    }

    #[test]
    fn unsigned_connections_accept_anything() {
        let signer = Signer::new("hmac-sha256", "").unwrap();
        assert!(signer.verify(&[b"", b"", b"", b""], b"garbage").is_ok());
    }
}
