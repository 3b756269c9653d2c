//! The two primitives every SOMA upload goes through: Blake2b-256 (checksums,
//! commitments, digests) and AES-256-CTR with a zero IV (weights encryption); and the
//! BLS12-381 signing of the local network's checkpoints and its Ed25519 checks.

pub mod aes_ctr;
pub mod blake2b;
pub mod bls;
pub mod checksum;
pub mod ed25519;
pub mod file;

pub use aes_ctr::{aes256_ctr, Aes256Ctr, KEY_LEN};
pub use blake2b::{blake2b256, Blake2b256, DIGEST_LEN};
pub use bls::{bls_min_sig_sign_aggregate, BLS_SECRET_KEY_LEN, BLS_SIGNATURE_LEN};
pub use checksum::{to_base58, verify_checksum};
pub use ed25519::{ed25519_verify_strict, ED25519_PUBLIC_KEY_LEN, ED25519_SIGNATURE_LEN};
pub use file::{aes256_ctr_file, blake2b256_file, encrypt_file_with_checksum, EncryptedFile, FILE_CHUNK};
