//! Byte inputs from JavaScript, held by reference (never copied on the JS thread) and
//! checked before use: a view of a detached buffer reads as empty and one of a resizable
//! or growable buffer can change length under us, so both are refused with a typed error.

use napi::bindgen_prelude::{FromNapiValue, TypeName, Uint8Array, ValidateNapiValue};
use napi::{sys, ValueType};

use crate::error::{invalid, Result};

pub struct Bytes {
  view: Uint8Array,
  unusable: Option<&'static str>,
}

/// Checked bytes kept alive for an async task; the JS buffer is released when it drops.
pub struct Held(Uint8Array);

impl Held {
  pub fn bytes(&self) -> &[u8] {
    &self.0
  }
}

fn refused(what: &str, why: &str) -> crate::error::Error {
  invalid(format!("{what} is a view of {why} ArrayBuffer; pass a Uint8Array over a fixed-length buffer"))
}

impl Bytes {
  /// The bytes, or the typed error for an unusable buffer; `what` names the argument.
  pub fn get(&self, what: &str) -> Result<&[u8]> {
    match self.unusable {
      Some(why) => Err(refused(what, why)),
      None => Ok(&self.view),
    }
  }

  /// The checked bytes, to hold in a task instead of a copy.
  pub fn hold(self, what: &str) -> Result<Held> {
    match self.unusable {
      Some(why) => Err(refused(what, why)),
      None => Ok(Held(self.view)),
    }
  }

  /// Writable access for in-place calls on the JS thread.
  ///
  /// # Safety
  /// The caller must run synchronously on the JS thread, so no JS code touches the
  /// buffer meanwhile.
  pub unsafe fn get_mut(&mut self, what: &str) -> Result<&mut [u8]> {
    if let Some(why) = self.unusable {
      return Err(refused(what, why));
    }
    // SAFETY: forwarded to the caller (see above).
    Ok(unsafe { self.view.as_mut() })
  }
}

/// Reads a boolean property, false when absent or not a boolean.
unsafe fn flag(env: sys::napi_env, object: sys::napi_value, name: &std::ffi::CStr) -> bool {
  let mut value = std::ptr::null_mut();
  if unsafe { sys::napi_get_named_property(env, object, name.as_ptr(), &mut value) } != sys::Status::napi_ok {
    return false;
  }
  let mut out = false;
  let status = unsafe { sys::napi_get_value_bool(env, value, &mut out) };
  status == sys::Status::napi_ok && out
}

impl FromNapiValue for Bytes {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    let view = unsafe { Uint8Array::from_napi_value(env, value)? };
    let mut kind = 0;
    let mut length = 0;
    let mut data = std::ptr::null_mut();
    let mut buffer = std::ptr::null_mut();
    let mut offset = 0;
    let status =
      unsafe { sys::napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, &mut buffer, &mut offset) };
    let mut unusable = None;
    if status == sys::Status::napi_ok && !buffer.is_null() {
      let mut detached = false;
      let checked = unsafe { sys::napi_is_detached_arraybuffer(env, buffer, &mut detached) };
      if checked == sys::Status::napi_ok && detached {
        unusable = Some("a detached");
      } else if unsafe { flag(env, buffer, c"resizable") } {
        unusable = Some("a resizable");
      } else if unsafe { flag(env, buffer, c"growable") } {
        unusable = Some("a growable");
      }
    }
    Ok(Self { view, unusable })
  }
}

impl TypeName for Bytes {
  fn type_name() -> &'static str {
    "Uint8Array"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl ValidateNapiValue for Bytes {}
