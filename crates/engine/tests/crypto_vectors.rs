//! Published and protocol test vectors for the engine's crypto. Each fails if a single
//! byte of the output changes.

use soma_engine::crypto::{
  aes256_ctr, aes256_ctr_file, blake2b256, blake2b256_file, bls_min_sig_sign_aggregate, ed25519_verify_strict,
  encrypt_file_with_checksum, Aes256Ctr, Blake2b256,
};
use soma_engine::EngineError;

fn unhex(s: &str) -> Vec<u8> {
  hex::decode(s).unwrap()
}

fn no_progress(_: u64) -> soma_engine::Result<()> {
  Ok(())
}

// ------------------------------------------------------------------ Blake2b-256

#[test]
fn blake2b256_known_answers() {
  // Blake2b with a 32-byte digest (parameter block digest_length = 32), as in the
  // reference implementations (libb2, b2sum -l 256).
  assert_eq!(hex::encode(blake2b256(b"")), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  assert_eq!(hex::encode(blake2b256(b"abc")), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

#[test]
fn rfc7693_appendix_a_blake2b512_abc() {
  // RFC 7693 Appendix A is BLAKE2b-512("abc"); the engine's backend must reproduce it
  // with the same parameter block save for the digest length.
  let digest = blake2b_simd::Params::new().hash_length(64).hash(b"abc");
  assert_eq!(
    hex::encode(digest.as_bytes()),
    "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
     7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
  );
}

#[test]
fn blake2b256_protocol_vectors() {
  // wire.md §12.2: the submission checksum of "hello soma" and the decryption-key
  // commitment of 2a×32.
  assert_eq!(bs58(&blake2b256(b"hello soma")), "DLuPdJuir2yCG3pTGTooeFssBDjZL9cfvWx1WXiefncf");
  assert_eq!(hex::encode(blake2b256(&[0x2a; 32])), "8c2e6d327dfaa6ff8195513810496949210ad20a96e2b0672a3e1b9335080801");
  // Embedding commitment: Blake2b-256 of BCS(SomaTensor [0.1, 0.2, 0.3], shape [3]).
  let tensor = unhex("000ccdcccc3dcdcc4c3e9a99993e010300000000000000");
  assert_eq!(hex::encode(blake2b256(&tensor)), "e5bc99bb75cf14d5f2c568eed1838271a3aaabc993614b4e0398a2e1f5f45150");
}

#[test]
fn blake2b256_streaming_equals_one_shot_at_every_split() {
  let data: Vec<u8> = (0..1031u32).map(|i| (i * 31 % 251) as u8).collect();
  let expected = blake2b256(&data);
  for split in [0, 1, 15, 16, 17, 127, 128, 129, 512, 1030, 1031] {
    let mut h = Blake2b256::new();
    h.update(&data[..split]).update(&data[split..]);
    assert_eq!(h.finalize(), expected, "split at {split}");
    assert_eq!(h.len(), data.len() as u64);
  }
}

/// Minimal Base58 (Bitcoin alphabet) for the test only.
fn bs58(bytes: &[u8]) -> String {
  const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  let mut digits: Vec<u8> = Vec::new();
  for &b in bytes {
    let mut carry = b as u32;
    for d in digits.iter_mut() {
      carry += (*d as u32) << 8;
      *d = (carry % 58) as u8;
      carry /= 58;
    }
    while carry > 0 {
      digits.push((carry % 58) as u8);
      carry /= 58;
    }
  }
  let zeros = bytes.iter().take_while(|&&b| b == 0).count();
  std::iter::repeat_n('1', zeros).chain(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char)).collect()
}

// ------------------------------------------------------------------ AES-256-CTR

#[test]
fn zero_iv_first_block_is_aes_of_zero_counter() {
  // FIPS-197 style known answer: AES-256 with the all-zero key on the all-zero block.
  // With the protocol's zero IV, keystream block 0 is exactly that.
  let out = aes256_ctr(&[0u8; 16], &[0u8; 32]).unwrap();
  assert_eq!(hex::encode(out), "dc95c078a2408989ad48a21492842087");
}

#[test]
fn protocol_weights_vector() {
  // wire.md §12.2: key 2a×32, plaintext "hello world model weights".
  let key = [0x2a; 32];
  let ct = aes256_ctr(b"hello world model weights", &key).unwrap();
  assert_eq!(hex::encode(&ct), "e0a752b122901bdfa10ab6c8a3d8e247d5a2584210aaab6993");
  assert_eq!(hex::encode(blake2b256(&ct)), "bde4e4570f214e6f3c4b8a3236c6010996eb20edbfc1b94e8bce090ccb54a01f");
  assert_eq!(bs58(&blake2b256(&ct)), "DnGVJuRd2vDdrBNfqm1cq7v3KmvYtZ1wp2Waufvsr2t6");
  assert_eq!(bs58(&key), "3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh");
  // Decryption is the same operation.
  assert_eq!(aes256_ctr(&ct, &key).unwrap(), b"hello world model weights");
}

#[test]
fn streaming_at_any_offset_matches_one_shot() {
  let key = [7u8; 32];
  let data: Vec<u8> = (0..4099u32).map(|i| (i % 256) as u8).collect();
  let expected = aes256_ctr(&data, &key).unwrap();
  for chunk in [1usize, 3, 15, 16, 17, 64, 1000] {
    let mut c = Aes256Ctr::new(&key).unwrap();
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
      let mut p = piece.to_vec();
      c.apply(&mut p).unwrap();
      out.extend_from_slice(&p);
    }
    assert_eq!(out, expected, "chunk {chunk}");
  }
  for offset in [0u64, 1, 15, 16, 17, 1000, 4098] {
    let mut tail = data[offset as usize..].to_vec();
    Aes256Ctr::at_offset(&key, offset).unwrap().apply(&mut tail).unwrap();
    assert_eq!(tail, expected[offset as usize..], "offset {offset}");
  }
}

#[test]
fn wrong_key_length_is_an_error() {
  for len in [0usize, 16, 31, 33, 64] {
    match aes256_ctr(b"x", &vec![0u8; len]) {
      Err(EngineError::InvalidKeyLength { expected: 32, actual }) => assert_eq!(actual, len),
      other => panic!("expected InvalidKeyLength, got {other:?}"),
    }
  }
}

// ------------------------------------------------------------------ files

fn temp_dir(name: &str) -> std::path::PathBuf {
  let dir = std::env::temp_dir().join(format!("soma-engine-{name}-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  dir
}

#[test]
fn file_forms_match_memory_forms() {
  let dir = temp_dir("files");
  let key = [0x2a; 32];
  // Larger than one file chunk so chunk boundaries are crossed, and not a multiple of 16.
  let data: Vec<u8> = (0..(9u64 << 20) + 13).map(|i| (i * 131 % 253) as u8).collect();
  let src = dir.join("plain.bin");
  let enc = dir.join("enc.bin");
  let dec = dir.join("dec.bin");
  std::fs::write(&src, &data).unwrap();

  assert_eq!(blake2b256_file(&src, &mut no_progress).unwrap(), blake2b256(&data));

  let mut seen = Vec::new();
  let out = encrypt_file_with_checksum(&src, &enc, &key, &mut |n| {
    seen.push(n);
    Ok(())
  })
  .unwrap();
  let ct = std::fs::read(&enc).unwrap();
  assert_eq!(ct, aes256_ctr(&data, &key).unwrap());
  assert_eq!(out.checksum, blake2b256(&ct));
  assert_eq!(out.size, data.len() as u64);
  assert_eq!(seen.last().copied(), Some(data.len() as u64));
  assert!(seen.windows(2).all(|w| w[0] < w[1]));

  assert_eq!(aes256_ctr_file(&enc, &dec, &key, &mut no_progress).unwrap(), data.len() as u64);
  assert_eq!(std::fs::read(&dec).unwrap(), data);
  std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_file() {
  let dir = temp_dir("empty");
  let src = dir.join("empty");
  std::fs::write(&src, b"").unwrap();
  let out = encrypt_file_with_checksum(&src, &dir.join("out"), &[1; 32], &mut no_progress).unwrap();
  assert_eq!(out.size, 0);
  assert_eq!(out.checksum, blake2b256(b""));
  std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn failures_leave_nothing_behind() {
  let dir = temp_dir("fail");
  let src = dir.join("plain");
  std::fs::write(&src, vec![5u8; 3 << 20]).unwrap();
  let dst = dir.join("out");

  // Missing input: a clear I/O error naming the path.
  let err = aes256_ctr_file(&dir.join("missing"), &dst, &[0; 32], &mut no_progress).unwrap_err();
  assert!(matches!(err, EngineError::Io { op: "open", .. }), "{err}");
  assert!(err.to_string().contains("missing"));

  // Bad key: rejected before any file is created.
  assert!(matches!(aes256_ctr_file(&src, &dst, &[0; 5], &mut no_progress), Err(EngineError::InvalidKeyLength { .. })));

  // Output == input would destroy the input: refused.
  assert!(matches!(aes256_ctr_file(&src, &src, &[0; 32], &mut no_progress), Err(EngineError::InvalidArgument(_))));
  assert_eq!(std::fs::read(&src).unwrap(), vec![5u8; 3 << 20]);

  // Cancelled mid-way: no partial output, no temporary left.
  let err = encrypt_file_with_checksum(&src, &dst, &[0; 32], &mut |_| Err(EngineError::Cancelled)).unwrap_err();
  assert!(matches!(err, EngineError::Cancelled));
  let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
  assert_eq!(left, vec![std::ffi::OsString::from("plain")]);

  // Cancelled after several chunks of a file many chunks long: the reader thread must
  // stop too (this would hang if it did not).
  let big = dir.join("big");
  std::fs::write(&big, vec![1u8; 40 << 20]).unwrap();
  let mut calls = 0;
  let err = encrypt_file_with_checksum(&big, &dst, &[0; 32], &mut |_| {
    calls += 1;
    if calls == 3 {
      Err(EngineError::Cancelled)
    } else {
      Ok(())
    }
  })
  .unwrap_err();
  assert!(matches!(err, EngineError::Cancelled));
  assert!(!dst.exists());
  std::fs::remove_file(&big).unwrap();

  // A directory as input.
  assert!(matches!(blake2b256_file(&dir, &mut no_progress), Err(EngineError::Io { .. })));
  std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------------ BLS12-381 min-sig

/// The DST of the local network's checkpoint signatures (fastcrypto's `min_sig::DST_G1`).
const CHECKPOINT_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// The BLS12-381 group order r, big-endian.
const GROUP_ORDER: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";

fn scalar(n: u8) -> [u8; 32] {
  let mut key = [0u8; 32];
  key[31] = n;
  key
}

#[test]
fn bls_rfc9380_hash_to_g1_vector() {
  // Key 1 (big-endian) signs to hash_to_G1 itself. RFC 9380 Appendix J.9.1
  // (BLS12381G1_XMD:SHA-256_SSWU_RO_, msg ""): P.x = 0x052926ad…79a1 with P.y below
  // (p-1)/2, so compressed it is P.x with only the compression flag (0x80) set.
  let dst = b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
  let sig = bls_min_sig_sign_aggregate(b"", dst, &[&scalar(1)]).unwrap();
  assert_eq!(
    hex::encode(sig),
    "852926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1"
  );
}

#[test]
fn bls_checkpoint_dst_aggregates() {
  // Computed with @noble/curves 2.4.0: `shortSignatures.sign(hash(msg, DST), key)` per
  // key, then `aggregateSignatures(...).toBytes(true)`.
  let k1: Vec<u8> = (1..=32).collect();
  let k2: Vec<u8> = (0x20..0x40).collect();
  let k3 = [0x42u8; 32];
  let msg = b"soma checkpoint";
  let cases: [(&[&[u8]], &str); 3] = [
    (&[&k1], "855eab879547e4314e58ca0b4a0b207404a0e75c9182683d4a8a4d5b991de5f8dce4d0c6aa1fe3f4c6848d9d906c30c5"),
    (&[&k1, &k2], "b2259b198d8b1ae1ea188270185f7f8f7f19b504aca5dc42f5c5118d7279d664dd3d41da664901073842778245359663"),
    (
      &[&k1, &k2, &k3],
      "8c9c886914d19cf3087370ffb9095ca8ae8ba1a593661b37b7b3bb751e77a9c85c507d5d4bc01ba28552238241c98fc3",
    ),
  ];
  for (keys, expected) in cases {
    assert_eq!(hex::encode(bls_min_sig_sign_aggregate(msg, CHECKPOINT_DST, keys).unwrap()), expected);
  }
  // The order of the signers does not change the aggregate.
  let reversed = bls_min_sig_sign_aggregate(msg, CHECKPOINT_DST, &[&k3, &k2, &k1]).unwrap();
  assert_eq!(hex::encode(reversed), cases[2].1);
}

#[test]
fn bls_keys_add_like_signatures() {
  let one_plus_one = bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[&scalar(1), &scalar(1)]).unwrap();
  assert_eq!(one_plus_one, bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[&scalar(2)]).unwrap());
  // k + (r - k) = 0: the two signatures cancel to the point at infinity (0xc0, then zeros).
  let mut r_minus_1 = unhex(GROUP_ORDER);
  r_minus_1[31] -= 1;
  let infinity = bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[&scalar(1), &r_minus_1]).unwrap();
  let mut expected = [0u8; 48];
  expected[0] = 0xc0;
  assert_eq!(infinity, expected);
}

#[test]
fn bls_refuses_bad_keys_and_arguments() {
  let invalid_key = |keys: &[&[u8]]| match bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, keys) {
    Err(EngineError::InvalidBlsSecretKey { index, reason }) => (index, reason),
    other => panic!("expected InvalidBlsSecretKey, got {other:?}"),
  };
  let order = unhex(GROUP_ORDER);
  let mut r_minus_1 = order.clone();
  r_minus_1[31] -= 1;
  assert!(bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[&r_minus_1]).is_ok());

  assert_eq!(invalid_key(&[&scalar(1), &[0u8; 32]]), (1, "the key is zero".to_string()));
  assert_eq!(invalid_key(&[&order]).0, 0);
  assert!(invalid_key(&[&order]).1.contains("group order"));
  assert!(invalid_key(&[&scalar(1), &scalar(2), &[0xff; 32]]).1.contains("group order"));
  assert_eq!(invalid_key(&[&[1u8; 31]]), (0, "expected 32 bytes, got 31".to_string()));
  assert_eq!(invalid_key(&[&[1u8; 33]]).1, "expected 32 bytes, got 33");
  // The key never shows up in the message.
  let message = bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[&[0xabu8; 32]]).unwrap_err().to_string();
  assert!(!message.to_lowercase().contains("abab"), "{message}");

  assert!(matches!(bls_min_sig_sign_aggregate(b"m", CHECKPOINT_DST, &[]), Err(EngineError::InvalidArgument(_))));
  assert!(matches!(bls_min_sig_sign_aggregate(b"m", b"", &[&scalar(1)]), Err(EngineError::InvalidArgument(_))));
  assert!(matches!(
    bls_min_sig_sign_aggregate(b"m", &[b'x'; 256], &[&scalar(1)]),
    Err(EngineError::InvalidArgument(_))
  ));
  assert!(bls_min_sig_sign_aggregate(b"m", &[b'x'; 255], &[&scalar(1)]).is_ok());
}

// ---------------------------------------------------------------- Ed25519 (RFC 8032 §7.1)

const RFC8032_TEST1_PK: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const RFC8032_TEST1_SIG: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
const RFC8032_TEST2_PK: &str = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const RFC8032_TEST2_SIG: &str = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

#[test]
fn ed25519_rfc8032_vectors_verify() {
  assert!(ed25519_verify_strict(&unhex(RFC8032_TEST1_PK), b"", &unhex(RFC8032_TEST1_SIG)));
  assert!(ed25519_verify_strict(&unhex(RFC8032_TEST2_PK), &[0x72], &unhex(RFC8032_TEST2_SIG)));
}

#[test]
fn ed25519_refuses_what_it_must() {
  let pk = unhex(RFC8032_TEST2_PK);
  let sig = unhex(RFC8032_TEST2_SIG);
  // Another message, another key, a flipped bit in R and in S.
  assert!(!ed25519_verify_strict(&pk, &[0x73], &sig));
  assert!(!ed25519_verify_strict(&unhex(RFC8032_TEST1_PK), &[0x72], &sig));
  for i in [0, 40] {
    let mut bad = sig.clone();
    bad[i] ^= 1;
    assert!(!ed25519_verify_strict(&pk, &[0x72], &bad));
  }
  // S + L (the group order) is the same scalar, not the canonical encoding: RFC 8032 refuses it.
  let order: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
  ];
  let mut s_plus_l = sig.clone();
  let mut carry = 0u16;
  for i in 0..32 {
    let sum = u16::from(s_plus_l[32 + i]) + u16::from(order[i]) + carry;
    s_plus_l[32 + i] = (sum & 0xff) as u8;
    carry = sum >> 8;
  }
  assert_eq!(carry, 0);
  assert!(!ed25519_verify_strict(&pk, &[0x72], &s_plus_l));
  // Wrong lengths are a plain `false`, never a panic.
  assert!(!ed25519_verify_strict(&pk[..31], &[0x72], &sig));
  assert!(!ed25519_verify_strict(&pk, &[0x72], &sig[..63]));
  assert!(!ed25519_verify_strict(&[], &[], &[]));
}
