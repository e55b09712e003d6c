//! Accounts: identity, credentials and registration progress.

use entities::account::{self, ActiveModel, Column, Entity};
use entities::reserved_address;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
    prelude::DateTimeWithTimeZone,
    sea_query::{Expr, OnConflict},
};

use crate::clock::Timestamp;
use crate::domain::{Account, BalType, EmailAddress, PersonName};

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
            profile_submitted_at: m.profile_submitted_at,
            last_mail_at: m.last_mail_at,
            validated_at: m.validated_at,
            rejected_at: m.rejected_at,
            rejection_reason: m.rejection_reason,
            mailbox_address: m.mailbox_address,
            disabled: m.disabled_at.is_some(),
            closed_at: m.closed_at,
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

/// Inserts an administrator's account from the command line: confirmed, no journey to walk.
pub async fn insert_confirmed(
    db: &impl ConnectionTrait,
    email: &EmailAddress,
    nom: &PersonName,
    prenom: &PersonName,
    password_hash: &str,
    now: Timestamp,
) -> Result<Account, DbErr> {
    let account = insert(db, email, nom, prenom, Some(password_hash), now).await?;
    mark_email_confirmed(db, account.id, now).await?;
    Ok(Account {
        email_confirmed: true,
        ..account
    })
}

/// Inserts a new, unconfirmed account. A unique violation means the email is taken.
/// `last_mail_at` throttles the "account exists" mail; confirmation resends are throttled by
/// the latest token's age instead.
pub async fn insert(
    db: &impl ConnectionTrait,
    email: &EmailAddress,
    nom: &PersonName,
    prenom: &PersonName,
    password_hash: Option<&str>,
    now: Timestamp,
) -> Result<Account, DbErr> {
    let model = ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash.map(str::to_owned)),
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

pub async fn touch_last_mail(
    db: &impl ConnectionTrait,
    id: i32,
    now: Timestamp,
) -> Result<(), DbErr> {
    update(db, id, |m| m.last_mail_at = Set(Some(now)), now).await
}

pub async fn mark_email_confirmed(
    db: &impl ConnectionTrait,
    id: i32,
    now: Timestamp,
) -> Result<(), DbErr> {
    update(db, id, |m| m.email_confirmed_at = Set(Some(now)), now).await
}

/// Replaces the password hash (reset or change); the caller hashed it.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: i32,
    hash: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    let hash = hash.to_owned();
    update(db, id, |m| m.password_hash = Set(Some(hash)), now).await
}

/// The contact address, once the new one is confirmed (the unique index refuses one taken
/// meanwhile).
pub async fn set_email(
    db: &impl ConnectionTrait,
    id: i32,
    email: &EmailAddress,
    now: Timestamp,
) -> Result<(), DbErr> {
    let email = email.as_str().to_owned();
    update(db, id, |m| m.email = Set(email), now).await
}

pub async fn set_bal_type(
    db: &impl ConnectionTrait,
    id: i32,
    bal: BalType,
    now: Timestamp,
) -> Result<(), DbErr> {
    update(
        db,
        id,
        |m| m.bal_type = Set(Some(bal.as_str().to_owned())),
        now,
    )
    .await
}

pub async fn mark_profile_submitted(
    db: &impl ConnectionTrait,
    id: i32,
    nom: &PersonName,
    prenom: &PersonName,
    now: Timestamp,
) -> Result<(), DbErr> {
    update(
        db,
        id,
        |m| {
            names(m, nom, prenom);
            m.profile_submitted_at = Set(Some(now));
        },
        now,
    )
    .await
}

/// The names Pro Santé Connect asserts, refreshed at a PSC sign-in.
pub async fn set_names(
    db: &impl ConnectionTrait,
    id: i32,
    nom: &PersonName,
    prenom: &PersonName,
    now: Timestamp,
) -> Result<(), DbErr> {
    update(db, id, |m| names(m, nom, prenom), now).await
}

/// The national identifier a validated account carries (`TYPE:number`), after an accepted
/// change; the unique index keeps it to one validated account.
pub async fn set_validated_national_id(
    db: &impl ConnectionTrait,
    id: i32,
    national_id: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let value = national_id.map(str::to_owned);
    update(db, id, |m| m.validated_national_id = Set(value), now).await
}

fn names(m: &mut ActiveModel, nom: &PersonName, prenom: &PersonName) {
    m.nom = Set(nom.as_str().to_owned());
    m.prenom = Set(prenom.as_str().to_owned());
}

async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    change: impl FnOnce(&mut ActiveModel),
    now: Timestamp,
) -> Result<(), DbErr> {
    let mut model = ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    change(&mut model);
    Entity::update(model).exec(db).await.map(|_| ())
}

/// Records the validation and its address, only if no decision was taken meanwhile
/// (compare-and-set). Returns false when another administrator decided first.
///
/// `national_id` (`TYPE:number`) goes to `validated_national_id`, whose unique index refuses a
/// second validated account with the same identifier.
pub async fn set_validated(
    db: &impl ConnectionTrait,
    id: i32,
    address: &str,
    national_id: Option<&str>,
    now: Timestamp,
) -> Result<bool, DbErr> {
    decide(
        db,
        id,
        now,
        [
            (Column::ValidatedAt, Expr::value(now)),
            (Column::MailboxAddress, Expr::value(address.to_owned())),
            (
                Column::ValidatedNationalId,
                Expr::value(national_id.map(str::to_owned)),
            ),
        ],
    )
    .await
}

/// The validated account, other than `except`, that carries `national_id` (`TYPE:number`).
pub async fn validated_with_national_id(
    db: &impl ConnectionTrait,
    national_id: &str,
    except: i32,
) -> Result<Option<i32>, DbErr> {
    Ok(Entity::find()
        .filter(Column::ValidatedNationalId.eq(national_id))
        .filter(Column::Id.ne(except))
        .one(db)
        .await?
        .map(|m| m.id))
}

/// Records a rejection, only if no decision was taken meanwhile.
pub async fn set_rejected(
    db: &impl ConnectionTrait,
    id: i32,
    reason: &str,
    now: Timestamp,
) -> Result<bool, DbErr> {
    decide(
        db,
        id,
        now,
        [
            (Column::RejectedAt, Expr::value(now)),
            (Column::RejectionReason, Expr::value(reason.to_owned())),
        ],
    )
    .await
}

/// Writes a decision's columns if the account is still undecided: the compare-and-set that
/// makes two administrators deciding at once end with one decision.
async fn decide(
    db: &impl ConnectionTrait,
    id: i32,
    now: Timestamp,
    columns: impl IntoIterator<Item = (Column, Expr)>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many().col_expr(Column::UpdatedAt, Expr::value(now));
    for (column, value) in columns {
        update = update.col_expr(column, value);
    }
    let result = update
        .filter(Column::Id.eq(id))
        .filter(Column::ValidatedAt.is_null())
        .filter(Column::RejectedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_disabled(db: &impl ConnectionTrait, id: i32, now: Timestamp) -> Result<(), DbErr> {
    update(db, id, |m| m.disabled_at = Set(Some(now)), now).await
}

/// Re-enables an account an administrator disabled. A closed account stays closed (false).
pub async fn set_enabled(
    db: &impl ConnectionTrait,
    id: i32,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::DisabledAt, Expr::value(Option::<Timestamp>::None))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The holder closes the account: disabled from now on, purged after the retention period.
/// False if it was already closed (a double submit).
pub async fn set_closed(db: &impl ConnectionTrait, id: i32, now: Timestamp) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::ClosedAt, Expr::value(now))
        .col_expr(Column::DisabledAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes the accounts closed before `before` (their profile, CGU answers, PSC link, tokens
/// and sessions go with them through `ON DELETE CASCADE`), first reserving their mailbox
/// addresses for ever. Returns their ids. The audit trail has no foreign key: it stays.
pub async fn purge_closed(
    db: &impl ConnectionTrait,
    before: DateTimeWithTimeZone,
    now: Timestamp,
) -> Result<Vec<i32>, DbErr> {
    use sea_orm::QuerySelect;
    let closed: Vec<(i32, Option<String>)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::MailboxAddress)
        .filter(Column::ClosedAt.lt(before))
        .into_tuple()
        .all(db)
        .await?;
    for address in closed.iter().filter_map(|(_, a)| a.as_deref()) {
        reserved_address::Entity::insert(reserved_address::ActiveModel {
            address: Set(address.to_owned()),
            reserved_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(reserved_address::Column::Address)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    let ids: Vec<i32> = closed.into_iter().map(|(id, _)| id).collect();
    if !ids.is_empty() {
        Entity::delete_many()
            .filter(Column::Id.is_in(ids.clone()))
            .filter(Column::ClosedAt.lt(before))
            .exec(db)
            .await?;
    }
    Ok(ids)
}

/// Deletes the accounts created before `before` whose email was never confirmed (their tokens,
/// sessions and other rows go with them through `ON DELETE CASCADE`), and returns their ids.
pub async fn purge_unconfirmed(
    db: &impl ConnectionTrait,
    before: DateTimeWithTimeZone,
) -> Result<Vec<i32>, DbErr> {
    use sea_orm::QuerySelect;
    let ids: Vec<i32> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::EmailConfirmedAt.is_null())
        .filter(Column::CreatedAt.lt(before))
        .into_tuple()
        .all(db)
        .await?;
    if !ids.is_empty() {
        Entity::delete_many()
            .filter(Column::Id.is_in(ids.clone()))
            .filter(Column::EmailConfirmedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(ids)
}

/// Is this address already taken (homonym check before trying it)? By an account, or kept
/// reserved after a closed account was purged: an address is never reassigned.
pub async fn address_taken(db: &impl ConnectionTrait, address: &str) -> Result<bool, DbErr> {
    let reserved = reserved_address::Entity::find_by_id(address.to_owned())
        .count(db)
        .await?
        > 0;
    Ok(reserved
        || Entity::find()
            .filter(Column::MailboxAddress.eq(address))
            .count(db)
            .await?
            > 0)
}

/// Reserves an assigned address for ever (`reserved_addresses`). Its primary key is what two
/// concurrent validations of the same address meet on, PER/MED and ORG alike: the loser gets a
/// unique violation and tries the next suffix.
pub async fn reserve_address(
    db: &impl ConnectionTrait,
    address: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    reserved_address::ActiveModel {
        address: Set(address.to_owned()),
        reserved_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Every validated account, for reconciliation with the directory.
pub async fn all_validated(db: &impl ConnectionTrait) -> Result<Vec<Account>, DbErr> {
    Ok(Entity::find()
        .filter(Column::ValidatedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(Account::from)
        .collect())
}
