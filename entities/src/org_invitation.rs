//! Table `org_invitations`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub org_id: i32,
    pub email: String,
    pub invited_at: DateTimeWithTimeZone,
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
}

impl Related<super::org_mailbox::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgMailbox.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
