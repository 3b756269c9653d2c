//! File forms of the crypto primitives. Each reads its input once, in fixed-size
//! chunks, so a multi-gigabyte weights file never sits in memory. Outputs are written
//! to a sibling temporary file and renamed into place only on success: a failure or a
//! cancellation never leaves a truncated output behind, and never touches the input.

use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use super::aes_ctr::Aes256Ctr;
use super::blake2b::{Blake2b256, DIGEST_LEN};
use crate::error::{EngineError, Result};

/// Chunk size for file work: large enough to amortise syscalls, small enough that
/// memory stays flat whatever the file size.
pub const FILE_CHUNK: usize = 4 << 20;

/// Called after each chunk with the bytes processed so far; returning an error (for
/// example [`EngineError::Cancelled`]) stops the work.
pub type Progress<'a> = &'a mut dyn FnMut(u64) -> Result<()>;

/// What a weights commit needs from one pass over the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedFile {
  /// Blake2b-256 of the ciphertext (the manifest checksum and the weights commitment).
  pub checksum: [u8; DIGEST_LEN],
  /// Ciphertext length in bytes (equal to the plaintext length).
  pub size: u64,
}

fn open(path: &Path) -> Result<File> {
  let file = File::open(path).map_err(|e| EngineError::io("open", path, e))?;
  let meta = file.metadata().map_err(|e| EngineError::io("stat", path, e))?;
  if meta.is_dir() {
    return Err(EngineError::io("open", path, std::io::Error::new(ErrorKind::InvalidInput, "is a directory")));
  }
  Ok(file)
}

fn read_chunk(file: &mut File, path: &Path, buf: &mut [u8]) -> Result<usize> {
  let mut filled = 0;
  while filled < buf.len() {
    match file.read(&mut buf[filled..]) {
      Ok(0) => break,
      Ok(n) => filled += n,
      Err(e) if e.kind() == ErrorKind::Interrupted => continue,
      Err(e) => return Err(EngineError::io("read", path, e)),
    }
  }
  Ok(filled)
}

/// Buffers in flight between the reader thread and the worker: enough to keep both
/// busy, few enough that memory stays at a few chunks whatever the file size.
const BUFFERS: usize = 3;

/// Reads `file` on a helper thread while `each` works on the previous chunk, so disk
/// (or page-cache) reads overlap with hashing and encryption. Chunks arrive in order;
/// an error from either side stops both.
fn for_each_chunk(mut file: File, path: &Path, mut each: impl FnMut(&mut [u8]) -> Result<()>) -> Result<()> {
  use std::sync::mpsc::sync_channel;
  let (full_tx, full_rx) = sync_channel::<Result<(Vec<u8>, usize)>>(BUFFERS);
  let (free_tx, free_rx) = sync_channel::<Vec<u8>>(BUFFERS);
  for _ in 0..BUFFERS {
    free_tx.send(vec![0u8; FILE_CHUNK]).map_err(|_| EngineError::InvalidArgument("reader pipeline closed".into()))?;
  }
  std::thread::scope(|scope| {
    scope.spawn(move || {
      while let Ok(mut buf) = free_rx.recv() {
        let read = read_chunk(&mut file, path, &mut buf);
        let done = !matches!(read, Ok(n) if n > 0);
        if full_tx.send(read.map(|n| (buf, n))).is_err() || done {
          break;
        }
      }
    });
    let mut consume = || loop {
      let (mut buf, n) = match full_rx.recv() {
        Ok(chunk) => chunk?,
        Err(_) => return Ok(()),
      };
      if n == 0 {
        return Ok(());
      }
      each(&mut buf[..n])?;
      // The reader may already have finished; a closed channel is fine then.
      let _ = free_tx.send(buf);
    };
    let result = consume();
    // Closing both channels unblocks the reader whichever side stopped first, so the
    // scope's join cannot wait forever after an error or a cancellation.
    drop(full_rx);
    drop(free_tx);
    result
  })
}

/// Blake2b-256 of a file's contents.
pub fn blake2b256_file(path: &Path, progress: Progress<'_>) -> Result<[u8; DIGEST_LEN]> {
  let file = open(path)?;
  let mut hasher = Blake2b256::new();
  for_each_chunk(file, path, |chunk| {
    hasher.update(chunk);
    progress(hasher.len())
  })?;
  Ok(hasher.finalize())
}

/// A destination written under a temporary name and renamed on `commit`; dropped
/// without commit, the temporary is removed.
struct AtomicOutput {
  tmp: PathBuf,
  dst: PathBuf,
  file: Option<File>,
}

impl AtomicOutput {
  fn create(src: &Path, dst: &Path) -> Result<Self> {
    if let (Ok(a), Ok(b)) = (fs::canonicalize(src), fs::canonicalize(dst)) {
      if a == b {
        return Err(EngineError::InvalidArgument(format!(
          "output {} is the input file; choose another output path",
          dst.display()
        )));
      }
    }
    // Caught here rather than at the final rename, after the whole input was processed.
    if fs::metadata(dst).is_ok_and(|m| m.is_dir()) {
      return Err(EngineError::InvalidArgument(format!("output {} is a directory; give a file path", dst.display())));
    }
    let name = dst
      .file_name()
      .ok_or_else(|| EngineError::InvalidArgument(format!("output path {} has no file name", dst.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.partial", std::process::id()));
    let tmp = dst.with_file_name(tmp_name);
    // The error names the output the caller gave (a missing folder, no permission), not
    // the temporary beside it.
    let file = File::create(&tmp).map_err(|e| EngineError::io("create", dst, e))?;
    Ok(Self { tmp, dst: dst.to_path_buf(), file: Some(file) })
  }

  fn write(&mut self, data: &[u8]) -> Result<()> {
    match self.file.as_mut() {
      Some(file) => file.write_all(data).map_err(|e| EngineError::io("write", &self.tmp, e)),
      None => Err(EngineError::InvalidArgument("output already committed".into())),
    }
  }

  /// Renames the finished temporary into place. The rename is atomic, so readers see
  /// the old file or the whole new one. No fsync: an output is recomputable from its
  /// input, and syncing gigabytes would cost more than the encryption.
  fn commit(mut self) -> Result<()> {
    if let Some(mut file) = self.file.take() {
      file.flush().map_err(|e| EngineError::io("write", &self.tmp, e))?;
    }
    fs::rename(&self.tmp, &self.dst).map_err(|e| EngineError::io("rename", &self.dst, e))
  }
}

impl Drop for AtomicOutput {
  fn drop(&mut self) {
    if self.file.is_some() {
      self.file = None;
      let _ = fs::remove_file(&self.tmp);
    }
  }
}

fn transform_file(
  src: &Path,
  dst: &Path,
  key: &[u8],
  progress: Progress<'_>,
  mut hasher: Option<&mut Blake2b256>,
) -> Result<u64> {
  // Validate the key before touching the file system.
  let mut cipher = Aes256Ctr::new(key)?;
  let input = open(src)?;
  let mut output = AtomicOutput::create(src, dst)?;
  for_each_chunk(input, src, |chunk| {
    cipher.apply(chunk)?;
    if let Some(h) = hasher.as_deref_mut() {
      h.update(chunk);
    }
    output.write(chunk)?;
    progress(cipher.offset())
  })?;
  output.commit()?;
  Ok(cipher.offset())
}

/// AES-256-CTR (zero IV) of `src` into `dst`; decrypting is the same call.
pub fn aes256_ctr_file(src: &Path, dst: &Path, key: &[u8], progress: Progress<'_>) -> Result<u64> {
  transform_file(src, dst, key, progress, None)
}

/// Encrypt `src` into `dst` and return the Blake2b-256 of the ciphertext and its size,
/// in a single read of the input.
pub fn encrypt_file_with_checksum(src: &Path, dst: &Path, key: &[u8], progress: Progress<'_>) -> Result<EncryptedFile> {
  let mut hasher = Blake2b256::new();
  let size = transform_file(src, dst, key, progress, Some(&mut hasher))?;
  Ok(EncryptedFile { checksum: hasher.finalize(), size })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soma-engine-file-{name}-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
  }

  #[test]
  fn an_output_that_is_a_directory_is_refused_before_any_work() {
    let dir = scratch("dst-dir");
    let src = dir.join("plain");
    fs::write(&src, b"weights").unwrap();
    let mut calls = 0;
    let err = aes256_ctr_file(&src, &dir, &[0; 32], &mut |_| {
      calls += 1;
      Ok(())
    })
    .unwrap_err();
    assert!(matches!(&err, EngineError::InvalidArgument(m) if m.contains("is a directory")), "{err}");
    assert_eq!(calls, 0);
    fs::remove_dir_all(&dir).unwrap();
  }

  #[test]
  fn an_output_in_a_missing_folder_names_the_output() {
    let dir = scratch("dst-missing");
    let src = dir.join("plain");
    fs::write(&src, b"weights").unwrap();
    let dst = dir.join("no-such-folder").join("weights.enc");
    let err = encrypt_file_with_checksum(&src, &dst, &[0; 32], &mut |_| Ok(())).unwrap_err();
    match &err {
      EngineError::Io { op: "create", path, source } => {
        assert_eq!(path, &dst);
        assert_eq!(source.kind(), ErrorKind::NotFound);
      }
      other => panic!("expected a create error, got {other:?}"),
    }
    assert!(!err.to_string().contains(".partial"), "{err}");
    fs::remove_dir_all(&dir).unwrap();
  }
}
