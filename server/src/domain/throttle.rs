//! What is counted to brake guessing and abuse, and how much of it is
//! allowed within a window. Pure: `service::throttle` keeps the counts in
//! the database, so that every process sharing it counts the same.
//!
//! Failed logins are counted three ways, so that nobody can lock the owner
//! out of their account from elsewhere (a brake keyed on the account alone
//! let anyone do that with five wrong passwords):
//! - per account *and* address: a low ceiling, which stops guessing from
//!   one place and touches only that place;
//! - per account, from anywhere: a much higher ceiling, which slows guessing
//!   spread over many addresses;
//! - per address, whatever the account: stops one place trying many accounts.

use std::net::IpAddr;

use crate::config::AccountSettings;

/// One thing counted, with how many of it the window allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// What is counted, e.g. `login:camille@exemple.fr|203.0.113.7`.
    pub key: String,
    pub max: u32,
}

/// The counts a login attempt must pass, the first being the one a
/// success clears.
pub fn login(settings: &AccountSettings, email: &str, address: IpAddr) -> [Limit; 3] {
    let email = email.trim().to_lowercase();
    [
        Limit {
            key: format!("login:{email}|{address}"),
            max: settings.login_max_failures,
        },
        Limit {
            key: format!("login:{email}"),
            max: settings.account_max_failures,
        },
        Limit {
            key: format!("login-from:{address}"),
            max: settings.address_max_failures,
        },
    ]
}

/// Wrong current passwords given to change a password, per account: a
/// stolen session must not become a way to guess the password.
pub fn current_password(settings: &AccountSettings, account: uuid::Uuid) -> Limit {
    Limit {
        key: format!("password:{account}"),
        max: settings.login_max_failures,
    }
}

/// Accounts created from one address.
pub fn registration(settings: &AccountSettings, address: IpAddr) -> Limit {
    Limit {
        key: format!("register-from:{address}"),
        max: settings.registrations_per_address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_counted_per_pair_per_account_and_per_address() {
        let settings = AccountSettings::default();
        let address: IpAddr = "203.0.113.7".parse().unwrap();
        let [pair, account, from] = login(&settings, " Camille@Exemple.fr ", address);
        assert_eq!(pair.key, "login:camille@exemple.fr|203.0.113.7");
        assert_eq!(account.key, "login:camille@exemple.fr");
        assert_eq!(from.key, "login-from:203.0.113.7");
        assert!(account.max > pair.max, "the owner elsewhere keeps a margin");
    }
}
