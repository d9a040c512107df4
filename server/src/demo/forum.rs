//! The demo's discussions: Montreuil's spaces and a lively thread whose
//! replies nest, as a real debate does.

use crate::domain::forum::{Right, Visibility};
use uuid::Uuid;

use crate::entity::organisation;
use crate::error::AppResult;
use crate::service::forum::categories::{self, NewCategory};
use crate::service::forum::posts;
use crate::service::forum::threads::{self, NewThread};
use crate::service::sessions::Viewer;
use crate::state::AppState;

/// Who reads a space, who starts threads, who replies.
type Access = (Visibility, Right, Right);

fn space(
    org: &organisation::Model,
    slug: &str,
    name: &str,
    description: &str,
    access: Access,
    position: i32,
) -> NewCategory {
    let (visibility, thread_right, reply_right) = access;
    NewCategory {
        organisation_id: org.id,
        parent_id: None,
        slug: slug.into(),
        name: name.into(),
        description: description.into(),
        visibility,
        thread_right,
        reply_right,
        position,
    }
}

/// Gives the debate's thread, where the demo's proposals are put.
///
/// `people` are the demo members in the order of `PEOPLE`: Yasmine
/// (facilitator), Lucas, Inès, Hugo, Léa, Karim, Sacha, then the supporters.
pub async fn load(
    state: &AppState,
    org: &organisation::Model,
    admin: &Viewer,
    people: &[Viewer],
) -> AppResult<Option<Uuid>> {
    let [yasmine, lucas, ines, hugo, lea, karim, sacha, thomas, ..] = people else {
        return Ok(None);
    };
    let welcome = categories::create(
        state,
        admin,
        space(
            org,
            "accueil",
            "Accueil",
            "Présentez-vous, posez vos questions : ouvert à toutes et tous.",
            (Visibility::Public, Right::Facilitators, Right::Supporters),
            0,
        ),
    )
    .await?;
    let assembly = categories::create(
        state,
        admin,
        space(
            org,
            "assemblee-generale",
            "Assemblée générale",
            "Débats entre deux AG, propositions à mettre à l'ordre du jour.",
            (Visibility::Members, Right::Members, Right::Members),
            1,
        ),
    )
    .await?;
    categories::create(
        state,
        admin,
        space(
            org,
            "luttes-locales",
            "Luttes locales",
            "Suivi des mobilisations du quartier, ouvert aux sympathisant·es.",
            (Visibility::Supporters, Right::Supporters, Right::Supporters),
            2,
        ),
    )
    .await?;

    let (hello, first) = threads::start(
        state,
        yasmine,
        NewThread {
            category_id: welcome.id,
            title: "Bienvenue ! Présentez-vous ici".into(),
            body: "Bonjour à toutes et à tous,\n\nCet espace est ouvert : dites-nous qui vous êtes et ce qui vous amène.\nLa prochaine **AG** a lieu jeudi à 18 h 30, à la Maison des associations et en visio.".into(),
            tags: vec!["accueil".into()],
        },
    )
    .await?;
    posts::reply(
        state,
        thomas,
        hello.id,
        first.id,
        "Bonjour, je suis Thomas, sympathisant depuis la fête de quartier. Je viendrai jeudi !",
    )
    .await?;

    let (thread, opening) = threads::start(
        state,
        lucas,
        NewThread {
            category_id: assembly.id,
            title: "Faut-il quitter le local de la rue Voltaire ?".into(),
            body: "Le bail se termine en mars et le loyer augmente de 30 %.\n\nTrois pistes :\n\n1. renégocier le bail ;\n2. partager un local avec l'AMAP ;\n3. se réunir à la Maison des associations.\n\nJe propose d'en débattre ici avant de mettre la question à l'ordre du jour.".into(),
            tags: vec!["local".into(), "budget".into()],
        },
    )
    .await?;
    let a = posts::reply(state, ines, thread.id, opening.id, "Partager avec l'AMAP me semble la meilleure piste : les horaires ne se chevauchent presque pas.").await?;
    let b = posts::reply(
        state,
        hugo,
        thread.id,
        a.id,
        "Sauf le jeudi soir, jour de distribution… et c'est notre soir d'AG.",
    )
    .await?;
    let c = posts::reply(
        state,
        ines,
        thread.id,
        b.id,
        "On pourrait décaler les AG au mercredi ? @yasmine.benali, tu sais si la salle est libre ?",
    )
    .await?;
    posts::reply(state, yasmine, thread.id, c.id, "Elle est libre un mercredi sur deux. Je mets le point à l'ordre du jour de la prochaine AG.").await?;
    let d = posts::reply(
        state,
        karim,
        thread.id,
        opening.id,
        "La Maison des associations est gratuite mais on n'y garde pas le matériel de campagne.",
    )
    .await?;
    posts::reply(state, lea, thread.id, d.id, "On pourrait louer un box pour le matériel : une trentaine d'euros par mois d'après mes recherches.").await?;
    posts::reply(state, sacha, thread.id, opening.id, "Avant de décider, il faudrait le budget de l'an dernier. Le secrétariat peut-il le publier ?").await?;
    Ok(Some(thread.id))
}
