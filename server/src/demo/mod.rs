//! A small, realistic French demo: a regional federation with two local
//! assemblies, their members in good standing, supporters, a lapsed member, a
//! pending join request and a pending invitation. Built through the services,
//! so the demo obeys the same rules as real use. Loading it again only gives
//! the demo accounts a new password.

use base64::Engine;
use chrono::{Datelike, Months, NaiveDate, Utc};
use rand::RngCore;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel};

use crate::domain::account::Gender;
use crate::domain::membership::{Role, Standing};
use crate::domain::organisation::RegistrationMode;
use crate::domain::token::Credential;
use crate::entity::account;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::service::accounts::{self, NewAccount, ProfileChange};
use crate::service::invitations::{self, NewInvitation};
use crate::service::organisations::{self, NewOrganisation};
use crate::service::passwords;
use crate::service::sessions::Viewer;
use crate::state::AppState;

mod designations;
mod forum;
mod governance;
mod meetings;
mod proposals;
pub mod records;

pub const ADMIN_EMAIL: &str = "camille.martin@demo.plenum.example";
const MONTREUIL: &str = "assemblee-montreuil";

pub struct Credentials {
    pub admin_email: String,
    pub password: String,
}

/// Who the demo people are: name, email local part, gender, role in Montreuil, standing.
#[derive(Clone, Copy)]
enum Dues {
    PaidThisYear,
    Lapsed,
    Supporter,
}

const PEOPLE: &[(&str, &str, Option<Gender>, Role, Dues)] = &[
    (
        "Yasmine Benali",
        "yasmine.benali",
        Some(Gender::Woman),
        Role::Facilitator,
        Dues::PaidThisYear,
    ),
    (
        "Lucas Bernard",
        "lucas.bernard",
        Some(Gender::Man),
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Inès Moreau",
        "ines.moreau",
        Some(Gender::Woman),
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Hugo Lefèvre",
        "hugo.lefevre",
        Some(Gender::Man),
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Léa Dubois",
        "lea.dubois",
        None,
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Karim Haddad",
        "karim.haddad",
        Some(Gender::Man),
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Sacha Petit",
        "sacha.petit",
        Some(Gender::NonBinary),
        Role::Member,
        Dues::PaidThisYear,
    ),
    (
        "Thomas Roux",
        "thomas.roux",
        None,
        Role::Member,
        Dues::Supporter,
    ),
    (
        "Manon Garnier",
        "manon.garnier",
        Some(Gender::Woman),
        Role::Member,
        Dues::Supporter,
    ),
    (
        "Julien Faure",
        "julien.faure",
        Some(Gender::Man),
        Role::Member,
        Dues::Lapsed,
    ),
];

fn random_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn demo_email(local: &str) -> String {
    format!("{local}@demo.plenum.example")
}

/// Loads the demo (or refreshes its password) and returns how to log in.
pub async fn load(state: &AppState) -> AppResult<Credentials> {
    let password = random_password();
    if organisations::get_by_slug(&state.db, MONTREUIL)
        .await
        .is_ok()
    {
        reset_passwords(state, &password).await?;
    } else {
        create(state, &password).await?;
    }
    Ok(Credentials {
        admin_email: ADMIN_EMAIL.to_owned(),
        password,
    })
}

async fn reset_passwords(state: &AppState, password: &str) -> AppResult<()> {
    let demo = account::Entity::find()
        .filter(account::Column::Email.ends_with("@demo.plenum.example"))
        .all(&state.db)
        .await?;
    let parsed = crate::domain::account::Password::parse(password, "password")?;
    let hash = passwords::hash(&state.settings.accounts, &parsed).await?;
    for person in demo {
        let mut active = person.into_active_model();
        active.password_hash = Set(hash.clone());
        active.update(&state.db).await?;
    }
    Ok(())
}

async fn person(
    state: &AppState,
    name: &str,
    email: String,
    password: &str,
    gender: Option<Gender>,
) -> AppResult<Viewer> {
    let new = NewAccount {
        email,
        password: password.to_owned(),
        display_name: name.to_owned(),
        locale: Some(Locale::Fr),
        timezone: Some("Europe/Paris".into()),
        handle: None,
        invitation_token: None,
    };
    let account = accounts::create_by_operator(state, new, false).await?;
    let viewer = Viewer::new(account, Uuid::nil(), Credential::Operator);
    let change = ProfileChange {
        gender: Some(gender),
        ..ProfileChange::default()
    };
    let account = accounts::update_profile(state, &viewer, change).await?;
    Ok(Viewer::new(account, Uuid::nil(), Credential::Operator))
}

async fn create(state: &AppState, password: &str) -> AppResult<()> {
    let admin = person(
        state,
        "Camille Martin",
        ADMIN_EMAIL.to_owned(),
        password,
        Some(Gender::Woman),
    )
    .await?;
    let federation = crate::service::governance::bodies::found(
        state,
        &admin,
        NewOrganisation {
            slug: "federation-communaliste-idf".into(),
            name: "Fédération communaliste d'Île-de-France".into(),
            description: "Fédération des assemblées communalistes d'Île-de-France. Chaque assemblée locale reste autonome ; \
                          la fédération coordonne et publie ce que les assemblées rendent public."
                .into(),
            timezone: "Europe/Paris".into(),
            default_locale: Locale::Fr,
            registration_mode: RegistrationMode::Invitation,
            parent_id: None,
        },
    )
    .await?;
    let local = |slug: &str, name: &str, description: &str| NewOrganisation {
        slug: slug.into(),
        name: name.into(),
        description: description.into(),
        timezone: "Europe/Paris".into(),
        default_locale: Locale::Fr,
        registration_mode: RegistrationMode::Request,
        parent_id: Some(federation.id),
    };
    let montreuil = crate::service::governance::bodies::found(
        state,
        &admin,
        local(
            MONTREUIL,
            "Assemblée communaliste de Montreuil",
            "Assemblée générale un jeudi sur deux à 18 h 30, à la Maison des associations et en visio. \
             Toute personne adhérente à jour de cotisation y vote.",
        ),
    )
    .await?;
    crate::service::governance::bodies::found(
        state,
        &admin,
        local(
            "assemblee-bagnolet",
            "Assemblée communaliste de Bagnolet",
            "Assemblée de quartier, réunions mensuelles.",
        ),
    )
    .await?;

    let today = Utc::now().date_naive();
    let end_of_year = NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    let lapsed_on = today.checked_sub_months(Months::new(3)).unwrap_or(today);
    let mut people = Vec::new();
    for (name, local_part, gender, role, dues) in PEOPLE {
        let member = person(state, name, demo_email(local_part), password, *gender).await?;
        let standing = match dues {
            Dues::PaidThisYear => Standing::Member {
                good_until: Some(end_of_year),
            },
            Dues::Lapsed => Standing::Member {
                good_until: Some(lapsed_on),
            },
            Dues::Supporter => Standing::Supporter,
        };
        let invitation = NewInvitation {
            organisation_id: montreuil.id,
            email: member.account.email.clone(),
            role: *role,
            standing,
            anyone_with_link: false,
        };
        let sent = invitations::invite(state, &admin, invitation).await?;
        let token = sent.link.rsplit('/').next().unwrap_or_default().to_owned();
        invitations::accept(state, &member, &token).await?;
        people.push(member);
    }
    let debate = forum::load(state, &montreuil, &admin, &people).await?;
    proposals::load(state, &montreuil, debate, &people).await?;
    let pairs = governance::load(state, &montreuil, &admin, &people).await?;
    designations::load(state, &admin, &people, &pairs).await?;
    meetings::load(state, &montreuil, &admin, &people).await?;
    records::load(state, &montreuil, &admin).await?;
    // Someone waiting for an answer, and an invitation not yet used.
    let newcomer = person(
        state,
        "Nadia Rahmani",
        demo_email("nadia.rahmani"),
        password,
        Some(Gender::Woman),
    )
    .await?;
    invitations::request_to_join(
        state,
        &newcomer,
        montreuil.id,
        Some("Bonjour, j'habite le Bas-Montreuil et je voudrais rejoindre l'assemblée.".into()),
    )
    .await?;
    let pending = NewInvitation {
        organisation_id: montreuil.id,
        email: "paul.girard@exemple.fr".into(),
        role: Role::Member,
        standing: Standing::Supporter,
        anyone_with_link: false,
    };
    invitations::invite(state, &admin, pending).await?;
    Ok(())
}
