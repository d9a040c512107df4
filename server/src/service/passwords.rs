//! Password hashing with argon2id, off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::AccountSettings;
use crate::domain::account::Password;
use crate::error::{AppError, AppResult};

fn hasher(settings: &AccountSettings) -> AppResult<Argon2<'static>> {
    let params = Params::new(
        settings.argon2_memory_kib,
        settings.argon2_iterations,
        1,
        None,
    )
    .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of a new password (salt and parameters included).
pub async fn hash(settings: &AccountSettings, password: &Password) -> AppResult<String> {
    let argon = hasher(settings)?;
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches `stored`. With no stored hash (unknown email) a
/// hash is computed anyway, so the answer takes as long either way and timing
/// does not reveal which emails have accounts.
pub async fn verify(
    settings: &AccountSettings,
    password: &str,
    stored: Option<&str>,
) -> AppResult<bool> {
    let argon = hasher(settings)?;
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => PasswordHash::new(&stored)
            .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false),
        None => {
            // A fixed salt is fine: this hash is thrown away.
            if let Ok(salt) = SaltString::from_b64("cGxlbnVtZHVtbXlzYWx0") {
                let _ = argon.hash_password(password.as_bytes(), &salt);
            }
            false
        }
    })
    .await
    .map_err(AppError::internal)
}
