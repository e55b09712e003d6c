//! Accounts: identity, credentials and registration progress.

use entities::account::{self, ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    prelude::DateTimeWithTimeZone,
};

use super::now;
use crate::domain::{EmailAddress, PersonName};

/// The type of personal mailbox, decided by the identifier question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalType {
    /// Has an RPPS/ADELI: MSSanté address, visible to every MSSanté user.
    Per,
    /// No national identifier: visible only inside the operator.
    Med,
}

impl BalType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Per => "PER",
            Self::Med => "MED",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "PER" => Some(Self::Per),
            "MED" => Some(Self::Med),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i32,
    pub email: String,
    pub password_hash: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email_confirmed: bool,
    pub bal_type: Option<BalType>,
    pub profile_submitted: bool,
    pub last_mail_at: Option<DateTimeWithTimeZone>,
}

impl From<account::Model> for Account {
    fn from(m: account::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            password_hash: m.password_hash,
            nom: m.nom,
            prenom: m.prenom,
            email_confirmed: m.email_confirmed_at.is_some(),
            bal_type: m.bal_type.as_deref().and_then(BalType::parse),
            profile_submitted: m.profile_submitted_at.is_some(),
            last_mail_at: m.last_mail_at,
        }
    }
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &EmailAddress,
) -> Result<Option<Account>, DbErr> {
    Ok(Entity::find()
        .filter(Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .map(Account::from))
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<Account>, DbErr> {
    Ok(Entity::find_by_id(id).one(db).await?.map(Account::from))
}

/// Inserts a new, unconfirmed account. A unique violation means the email is taken.
/// `last_mail_at` throttles the "account exists" mail; confirmation resends are throttled by
/// the latest token's age instead.
pub async fn insert(
    db: &impl ConnectionTrait,
    email: &EmailAddress,
    nom: &PersonName,
    prenom: &PersonName,
    password_hash: &str,
) -> Result<Account, DbErr> {
    let now = now();
    let model = ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(Some(password_hash.to_owned())),
        nom: Set(nom.as_str().to_owned()),
        prenom: Set(prenom.as_str().to_owned()),
        email_confirmed_at: Set(None),
        bal_type: Set(None),
        profile_submitted_at: Set(None),
        last_mail_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model.into())
}

pub async fn touch_last_mail(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    update(db, id, |m| m.last_mail_at = Set(Some(now()))).await
}

pub async fn mark_email_confirmed(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    update(db, id, |m| m.email_confirmed_at = Set(Some(now()))).await
}

pub async fn set_bal_type(db: &impl ConnectionTrait, id: i32, bal: BalType) -> Result<(), DbErr> {
    update(db, id, |m| m.bal_type = Set(Some(bal.as_str().to_owned()))).await
}

pub async fn mark_profile_submitted(
    db: &impl ConnectionTrait,
    id: i32,
    nom: &PersonName,
    prenom: &PersonName,
) -> Result<(), DbErr> {
    update(db, id, |m| {
        m.nom = Set(nom.as_str().to_owned());
        m.prenom = Set(prenom.as_str().to_owned());
        m.profile_submitted_at = Set(Some(now()));
    })
    .await
}

async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    change: impl FnOnce(&mut ActiveModel),
) -> Result<(), DbErr> {
    let mut model = ActiveModel {
        id: Set(id),
        updated_at: Set(now()),
        ..Default::default()
    };
    change(&mut model);
    Entity::update(model).exec(db).await.map(|_| ())
}
