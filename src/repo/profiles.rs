//! The professional profile (step 5b).

use entities::account_profile::{ActiveModel, Entity, Model};

/// A stored profile, as the admin console and the directory read it.
pub type ProfileRow = Model;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

use crate::clock::Timestamp;
use crate::domain::profile::Profile;

pub async fn find(db: &impl ConnectionTrait, account_id: i32) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(account_id).one(db).await
}

/// Every profile, for reconciliation with the directory (one query instead of one per
/// account).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Model>, DbErr> {
    Entity::find().all(db).await
}

/// Inserts or replaces the account's profile.
pub async fn upsert(
    db: &impl ConnectionTrait,
    account_id: i32,
    p: &Profile,
    now: Timestamp,
) -> Result<(), DbErr> {
    let text =
        |t: &Option<crate::domain::text::FreeText>| t.as_ref().map(|t| t.as_str().to_owned());
    let model = ActiveModel {
        account_id: Set(account_id),
        telephone1: Set(p.telephone1.as_ref().map(|t| t.as_str().to_owned())),
        telephone2: Set(p.telephone2.as_ref().map(|t| t.as_str().to_owned())),
        activite_liberale: Set(p.activite_liberale),
        profession: Set(p.profession.code.clone()),
        specialite: Set(p.specialite.as_ref().map(|s| s.code.clone())),
        type_identifiant: Set(p.national_id.as_ref().map(|i| i.kind().as_str().to_owned())),
        identifiant: Set(p.national_id.as_ref().map(|i| i.as_str().to_owned())),
        raison_sociale: Set(text(&p.raison_sociale)),
        service: Set(text(&p.service)),
        adresse: Set(text(&p.adresse)),
        code_postal: Set(p.code_postal.as_ref().map(|c| c.as_str().to_owned())),
        ville: Set(text(&p.ville)),
        departement: Set(p.departement.as_ref().map(|d| d.code().to_owned())),
        region: Set(p.region.code().to_owned()),
        annuaire_medimail: Set(p.annuaire_medimail),
        annuaire_mssante: Set(p.annuaire_mssante),
        dematerialisation: Set(p.dematerialisation),
        notification_reception: Set(p.notification_reception),
        updated_at: Set(now),
        identifiant_structure: Set(p
            .identifiant_structure
            .as_ref()
            .map(|f| f.as_str().to_owned())),
    };
    Entity::insert(model)
        .on_conflict(
            OnConflict::column(entities::account_profile::Column::AccountId)
                .update_columns([
                    entities::account_profile::Column::Telephone1,
                    entities::account_profile::Column::Telephone2,
                    entities::account_profile::Column::ActiviteLiberale,
                    entities::account_profile::Column::Profession,
                    entities::account_profile::Column::Specialite,
                    entities::account_profile::Column::TypeIdentifiant,
                    entities::account_profile::Column::Identifiant,
                    entities::account_profile::Column::RaisonSociale,
                    entities::account_profile::Column::Service,
                    entities::account_profile::Column::Adresse,
                    entities::account_profile::Column::CodePostal,
                    entities::account_profile::Column::Ville,
                    entities::account_profile::Column::Departement,
                    entities::account_profile::Column::Region,
                    entities::account_profile::Column::AnnuaireMedimail,
                    entities::account_profile::Column::AnnuaireMssante,
                    entities::account_profile::Column::Dematerialisation,
                    entities::account_profile::Column::NotificationReception,
                    entities::account_profile::Column::UpdatedAt,
                    entities::account_profile::Column::IdentifiantStructure,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .map(|_| ())
}

/// The account whose profile declares this RPPS, if any.
pub async fn account_with_rpps(
    db: &impl ConnectionTrait,
    rpps: &str,
) -> Result<Option<i32>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(Entity::find()
        .filter(entities::account_profile::Column::TypeIdentifiant.eq("RPPS"))
        .filter(entities::account_profile::Column::Identifiant.eq(rpps))
        .one(db)
        .await?
        .map(|p| p.account_id))
}

/// Changes the directory visibility ticks (liste rouge).
pub async fn set_visibility(
    db: &impl ConnectionTrait,
    account_id: i32,
    annuaire_medimail: bool,
    annuaire_mssante: bool,
    now: Timestamp,
) -> Result<(), DbErr> {
    use entities::account_profile::Column;
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    Entity::update_many()
        .col_expr(Column::AnnuaireMedimail, Expr::value(annuaire_medimail))
        .col_expr(Column::AnnuaireMssante, Expr::value(annuaire_mssante))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .exec(db)
        .await
        .map(|_| ())
}
