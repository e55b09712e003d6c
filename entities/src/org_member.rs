//! Table `org_members`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub account_id: i32,
    pub role: String,
    pub invited_at: DateTimeWithTimeZone,
    pub joined_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::org_mailbox::Entity",
        from = "Column::OrgId",
        to = "super::org_mailbox::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    OrgMailbox,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::org_mailbox::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgMailbox.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
