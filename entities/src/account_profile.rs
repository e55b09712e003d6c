//! Table `account_profiles`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i32,
    pub telephone1: Option<String>,
    pub telephone2: Option<String>,
    pub activite_liberale: bool,
    pub profession: String,
    pub specialite: Option<String>,
    pub type_identifiant: Option<String>,
    pub identifiant: Option<String>,
    pub raison_sociale: Option<String>,
    pub service: Option<String>,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub ville: Option<String>,
    pub departement: Option<String>,
    pub region: String,
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
    pub dematerialisation: bool,
    pub notification_reception: bool,
    pub updated_at: DateTimeWithTimeZone,
    pub identifiant_structure: Option<String>,
    pub civilite_exercice: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
