//! Table `org_mailboxes`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_mailboxes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub libelle: String,
    pub local_wish: String,
    pub raison_sociale: String,
    pub structure_type: String,
    pub structure_id: String,
    pub service: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub departement: String,
    pub region: String,
    pub telephone: String,
    pub dematerialisation: bool,
    pub annuaire_mssante: bool,
    pub annuaire_medimail: bool,
    pub requested_by: Option<i32>,
    pub requested_at: DateTimeWithTimeZone,
    pub validated_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(unique)]
    pub mailbox_address: Option<String>,
    pub rejected_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    pub closed_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_change: Option<String>,
    pub change_requested_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::RequestedBy",
        to = "super::account::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Account,
    #[sea_orm(has_many = "super::org_member::Entity")]
    OrgMember,
    #[sea_orm(has_many = "super::org_event::Entity")]
    OrgEvent,
    #[sea_orm(has_many = "super::org_invitation::Entity")]
    OrgInvitation,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::org_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgMember.def()
    }
}

impl Related<super::org_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgEvent.def()
    }
}

impl Related<super::org_invitation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgInvitation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
