//! Table `accounts`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email_confirmed_at: Option<DateTimeWithTimeZone>,
    pub bal_type: Option<String>,
    pub profile_submitted_at: Option<DateTimeWithTimeZone>,
    pub last_mail_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub validated_at: Option<DateTimeWithTimeZone>,
    pub rejected_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    #[sea_orm(unique)]
    pub mailbox_address: Option<String>,
    pub disabled_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(unique)]
    pub validated_national_id: Option<String>,
    pub closed_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::admin::Entity")]
    Admin,
    #[sea_orm(has_one = "super::account_profile::Entity")]
    AccountProfile,
    #[sea_orm(has_one = "super::psc_identity::Entity")]
    PscIdentity,
    #[sea_orm(has_many = "super::cgu_acceptance::Entity")]
    CguAcceptance,
    #[sea_orm(has_many = "super::email_token::Entity")]
    EmailToken,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::admin::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Admin.def()
    }
}

impl Related<super::account_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountProfile.def()
    }
}

impl Related<super::psc_identity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PscIdentity.def()
    }
}

impl Related<super::cgu_acceptance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CguAcceptance.def()
    }
}

impl Related<super::email_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EmailToken.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
