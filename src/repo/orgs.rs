//! Organisational mailboxes (BAL ORG): the boxes, their members and invitations, their history.

use entities::{account, org_event, org_invitation, org_mailbox, org_member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
    sea_query::{Expr, OnConflict},
};

use crate::clock::Timestamp;
use crate::domain::Actor;
use crate::domain::org::{
    Invitation, Member, OrgAction, OrgBox, OrgChange, OrgEvent, OrgRequest, Role,
};

impl From<org_mailbox::Model> for OrgBox {
    fn from(m: org_mailbox::Model) -> Self {
        Self {
            id: m.id,
            libelle: m.libelle,
            local_wish: m.local_wish,
            raison_sociale: m.raison_sociale,
            structure_type: m.structure_type,
            structure_id: m.structure_id,
            service: m.service,
            description: m.description,
            adresse: m.adresse,
            code_postal: m.code_postal,
            ville: m.ville,
            departement: m.departement,
            region: m.region,
            telephone: m.telephone,
            dematerialisation: m.dematerialisation,
            annuaire_mssante: m.annuaire_mssante,
            annuaire_medimail: m.annuaire_medimail,
            requested_by: m.requested_by,
            requested_at: m.requested_at,
            validated_at: m.validated_at,
            mailbox_address: m.mailbox_address,
            rejected_at: m.rejected_at,
            rejection_reason: m.rejection_reason,
            closed_at: m.closed_at,
            pending_change: m
                .pending_change
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok()),
            change_requested_at: m.change_requested_at,
        }
    }
}

fn text(value: Option<&crate::domain::FreeText>) -> String {
    value.map(|t| t.as_str().to_owned()).unwrap_or_default()
}

/// The fields a responsable's edit sets (everything but the local part, the raison sociale and
/// the structure identifier).
fn set_editable(m: &mut org_mailbox::ActiveModel, request: &OrgRequest) {
    m.libelle = Set(request.libelle.as_str().to_owned());
    m.service = Set(text(request.service.as_ref()));
    m.description = Set(text(request.description.as_ref()));
    m.adresse = Set(text(request.adresse.as_ref()));
    m.code_postal = Set(request
        .code_postal
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default());
    m.ville = Set(text(request.ville.as_ref()));
    m.departement = Set(request
        .departement
        .as_ref()
        .map(|d| d.code().to_owned())
        .unwrap_or_default());
    m.region = Set(request.region.code().to_owned());
    m.telephone = Set(request
        .telephone
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default());
    m.dematerialisation = Set(request.dematerialisation);
    m.annuaire_mssante = Set(request.annuaire_mssante);
    m.annuaire_medimail = Set(request.annuaire_medimail);
}

/// Inserts a request and its requester as first responsable (joined).
pub async fn insert(
    db: &impl ConnectionTrait,
    request: &OrgRequest,
    requester: i32,
    now: Timestamp,
) -> Result<i32, DbErr> {
    let mut model = org_mailbox::ActiveModel {
        local_wish: Set(request.local.clone()),
        raison_sociale: Set(request.raison_sociale.as_str().to_owned()),
        structure_type: Set(request.structure.kind().as_str().to_owned()),
        structure_id: Set(request.structure.as_str().to_owned()),
        requested_by: Set(Some(requester)),
        requested_at: Set(now),
        ..Default::default()
    };
    set_editable(&mut model, request);
    let id = model.insert(db).await?.id;
    org_member::ActiveModel {
        org_id: Set(id),
        account_id: Set(requester),
        role: Set(Role::Responsable.as_str().to_owned()),
        invited_at: Set(now),
        joined_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(id)
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<OrgBox>, DbErr> {
    Ok(org_mailbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(OrgBox::from))
}

/// Takes the box's row lock (PostgreSQL) for the rest of the transaction, so that concurrent
/// member changes of one box run one after the other and the "at least one responsable" check
/// cannot be passed by two at once. SQLite has one writer anyway.
pub async fn lock(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    let result = org_mailbox::Entity::update_many()
        .col_expr(org_mailbox::Column::Id, Expr::col(org_mailbox::Column::Id))
        .filter(org_mailbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Members, responsables first, then by name.
pub async fn members(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<Member>, DbErr> {
    let rows = org_member::Entity::find()
        .filter(org_member::Column::OrgId.eq(org_id))
        .filter(org_member::Column::JoinedAt.is_not_null())
        .find_also_related(account::Entity)
        .all(db)
        .await?;
    let mut members: Vec<Member> = rows
        .into_iter()
        .filter_map(|(member, account)| {
            let account = account?;
            Some(Member {
                account_id: member.account_id,
                nom: account.nom,
                prenom: account.prenom,
                email: account.email,
                active: account.validated_at.is_some()
                    && account.disabled_at.is_none()
                    && account.closed_at.is_none(),
                mailbox_address: account.mailbox_address,
                role: Role::parse(&member.role)?,
            })
        })
        .collect();
    members.sort_by(|a, b| {
        (a.role != Role::Responsable, &a.nom, &a.prenom).cmp(&(
            b.role != Role::Responsable,
            &b.nom,
            &b.prenom,
        ))
    });
    Ok(members)
}

/// The account's role in the box, if it is a member.
pub async fn membership(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
) -> Result<Option<Role>, DbErr> {
    Ok(org_member::Entity::find()
        .filter(org_member::Column::OrgId.eq(org_id))
        .filter(org_member::Column::AccountId.eq(account_id))
        .filter(org_member::Column::JoinedAt.is_not_null())
        .one(db)
        .await?
        .and_then(|m| Role::parse(&m.role)))
}

/// The boxes the account is a member of, with its role.
pub async fn of_account(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Vec<(OrgBox, Role)>, DbErr> {
    let rows = org_member::Entity::find()
        .filter(org_member::Column::AccountId.eq(account_id))
        .filter(org_member::Column::JoinedAt.is_not_null())
        .find_also_related(org_mailbox::Entity)
        .order_by_asc(org_member::Column::OrgId)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(member, org)| Some((OrgBox::from(org?), Role::parse(&member.role)?)))
        .collect())
}

/// Adds a member; false if the account already is one.
pub async fn add_member(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
    role: Role,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let inserted = org_member::Entity::insert(org_member::ActiveModel {
        org_id: Set(org_id),
        account_id: Set(account_id),
        role: Set(role.as_str().to_owned()),
        invited_at: Set(now),
        joined_at: Set(Some(now)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([org_member::Column::OrgId, org_member::Column::AccountId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

impl From<org_invitation::Model> for Invitation {
    fn from(m: org_invitation::Model) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            email: m.email,
            invited_at: m.invited_at,
        }
    }
}

/// Records an invitation of this address; false if it was already invited.
pub async fn invite(
    db: &impl ConnectionTrait,
    org_id: i32,
    email: &str,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let inserted = org_invitation::Entity::insert(org_invitation::ActiveModel {
        org_id: Set(org_id),
        email: Set(email.to_owned()),
        invited_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([org_invitation::Column::OrgId, org_invitation::Column::Email])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

/// The box's invitations waiting for an answer, oldest first.
pub async fn invitations(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<Invitation>, DbErr> {
    Ok(org_invitation::Entity::find()
        .filter(org_invitation::Column::OrgId.eq(org_id))
        .order_by_asc(org_invitation::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Invitation::from)
        .collect())
}

/// The invitations sent to this address by open boxes (pending or validated).
pub async fn invitations_to(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<(OrgBox, Invitation)>, DbErr> {
    let rows = org_invitation::Entity::find()
        .filter(org_invitation::Column::Email.eq(email))
        .find_also_related(org_mailbox::Entity)
        .order_by_asc(org_invitation::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(invitation, org)| Some((OrgBox::from(org?), Invitation::from(invitation))))
        .filter(|(org, _)| org.closed_at.is_none() && org.rejected_at.is_none())
        .collect())
}

/// Deletes the box's invitation of this address (answered); false if there was none.
pub async fn take_invitation(
    db: &impl ConnectionTrait,
    org_id: i32,
    email: &str,
) -> Result<bool, DbErr> {
    let result = org_invitation::Entity::delete_many()
        .filter(org_invitation::Column::OrgId.eq(org_id))
        .filter(org_invitation::Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes one invitation of the box (withdrawn), returning the address it was sent to.
pub async fn withdraw_invitation(
    db: &impl ConnectionTrait,
    org_id: i32,
    invitation_id: i32,
) -> Result<Option<String>, DbErr> {
    let Some(invitation) = org_invitation::Entity::find_by_id(invitation_id)
        .filter(org_invitation::Column::OrgId.eq(org_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    org_invitation::Entity::delete_by_id(invitation.id)
        .exec(db)
        .await?;
    Ok(Some(invitation.email))
}

/// Deletes every invitation of the box (closed, or its request rejected).
pub async fn drop_invitations(db: &impl ConnectionTrait, org_id: i32) -> Result<(), DbErr> {
    org_invitation::Entity::delete_many()
        .filter(org_invitation::Column::OrgId.eq(org_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Deletes a membership; false if there was none.
pub async fn remove_member(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
) -> Result<bool, DbErr> {
    let result = org_member::Entity::delete_many()
        .filter(org_member::Column::OrgId.eq(org_id))
        .filter(org_member::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Sets a member's role; false if the account is not a member.
pub async fn set_role(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
    role: Role,
) -> Result<bool, DbErr> {
    let result = org_member::Entity::update_many()
        .col_expr(org_member::Column::Role, Expr::value(role.as_str()))
        .filter(org_member::Column::OrgId.eq(org_id))
        .filter(org_member::Column::AccountId.eq(account_id))
        .filter(org_member::Column::JoinedAt.is_not_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Responsables of the box whose account is active (validated, enabled, not closed): only they
/// can manage it and be published as its contact, so only they count towards "a box keeps at
/// least one responsable".
pub async fn active_responsable_count(
    db: &impl ConnectionTrait,
    org_id: i32,
) -> Result<usize, DbErr> {
    Ok(members(db, org_id)
        .await?
        .iter()
        .filter(|m| m.role == Role::Responsable && m.active)
        .count())
}

/// Ids of the boxes where the account is a joined responsable (its address is published as
/// their contact).
pub async fn where_responsable(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Vec<i32>, DbErr> {
    Ok(org_member::Entity::find()
        .filter(org_member::Column::AccountId.eq(account_id))
        .filter(org_member::Column::Role.eq(Role::Responsable.as_str()))
        .filter(org_member::Column::JoinedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.org_id)
        .collect())
}

/// Boxes waiting for a decision, oldest first.
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<OrgBox>, DbErr> {
    Ok(org_mailbox::Entity::find()
        .filter(org_mailbox::Column::ValidatedAt.is_null())
        .filter(org_mailbox::Column::RejectedAt.is_null())
        .filter(org_mailbox::Column::ClosedAt.is_null())
        .order_by_asc(org_mailbox::Column::RequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(OrgBox::from)
        .collect())
}

/// Open validated boxes with a change waiting for an administrator.
pub async fn with_pending_change(db: &impl ConnectionTrait) -> Result<Vec<OrgBox>, DbErr> {
    Ok(org_mailbox::Entity::find()
        .filter(org_mailbox::Column::PendingChange.is_not_null())
        .filter(org_mailbox::Column::ClosedAt.is_null())
        .order_by_asc(org_mailbox::Column::ChangeRequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(OrgBox::from)
        .collect())
}

/// Every validated box (closed ones included: reconciliation removes their entries).
pub async fn all_validated(db: &impl ConnectionTrait) -> Result<Vec<OrgBox>, DbErr> {
    Ok(org_mailbox::Entity::find()
        .filter(org_mailbox::Column::ValidatedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(OrgBox::from)
        .collect())
}

/// Records the validation and the address, only if the box is still pending.
pub async fn set_validated(
    db: &impl ConnectionTrait,
    id: i32,
    address: &str,
    now: Timestamp,
) -> Result<bool, DbErr> {
    decide(
        db,
        id,
        [
            (org_mailbox::Column::ValidatedAt, Expr::value(now)),
            (
                org_mailbox::Column::MailboxAddress,
                Expr::value(address.to_owned()),
            ),
        ],
    )
    .await
}

/// Records the rejection, only if the box is still pending.
pub async fn set_rejected(
    db: &impl ConnectionTrait,
    id: i32,
    reason: &str,
    now: Timestamp,
) -> Result<bool, DbErr> {
    decide(
        db,
        id,
        [
            (org_mailbox::Column::RejectedAt, Expr::value(now)),
            (
                org_mailbox::Column::RejectionReason,
                Expr::value(reason.to_owned()),
            ),
        ],
    )
    .await
}

async fn decide<const N: usize>(
    db: &impl ConnectionTrait,
    id: i32,
    values: [(org_mailbox::Column, sea_orm::sea_query::SimpleExpr); N],
) -> Result<bool, DbErr> {
    let mut update = org_mailbox::Entity::update_many();
    for (column, value) in values {
        update = update.col_expr(column, value);
    }
    let result = update
        .filter(org_mailbox::Column::Id.eq(id))
        .filter(org_mailbox::Column::ValidatedAt.is_null())
        .filter(org_mailbox::Column::RejectedAt.is_null())
        .filter(org_mailbox::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Closes the box; false if it was already closed.
pub async fn set_closed(db: &impl ConnectionTrait, id: i32, now: Timestamp) -> Result<bool, DbErr> {
    let result = org_mailbox::Entity::update_many()
        .col_expr(org_mailbox::Column::ClosedAt, Expr::value(now))
        .col_expr(
            org_mailbox::Column::PendingChange,
            Expr::value(Option::<String>::None),
        )
        .filter(org_mailbox::Column::Id.eq(id))
        .filter(org_mailbox::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Applies a responsable's edit (the fields that change at once).
pub async fn update_editable(
    db: &impl ConnectionTrait,
    id: i32,
    request: &OrgRequest,
) -> Result<(), DbErr> {
    let mut model = org_mailbox::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    set_editable(&mut model, request);
    org_mailbox::Entity::update(model)
        .exec(db)
        .await
        .map(|_| ())
}

/// Sets, or clears with `None`, the change waiting for an administrator.
pub async fn set_pending_change(
    db: &impl ConnectionTrait,
    id: i32,
    change: Option<&OrgChange>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let json = change
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let requested_at = change.map(|_| now);
    org_mailbox::Entity::update_many()
        .col_expr(org_mailbox::Column::PendingChange, Expr::value(json))
        .col_expr(
            org_mailbox::Column::ChangeRequestedAt,
            Expr::value(requested_at),
        )
        .filter(org_mailbox::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Applies the waiting change and clears it, only if it is still the one the administrator saw
/// (`expected`); false otherwise (none waiting, or a responsable changed it meanwhile). The
/// caller holds the box's lock.
pub async fn apply_change(
    db: &impl ConnectionTrait,
    id: i32,
    expected: &OrgChange,
) -> Result<bool, DbErr> {
    let waiting = find(db, id).await?.and_then(|org| org.pending_change);
    if waiting.as_ref() != Some(expected) {
        return Ok(false);
    }
    set_structure(db, id, expected).await?;
    Ok(true)
}

/// Sets the raison sociale and the structure identifier, and clears any change waiting.
pub async fn set_structure(
    db: &impl ConnectionTrait,
    id: i32,
    change: &OrgChange,
) -> Result<(), DbErr> {
    org_mailbox::Entity::update(org_mailbox::ActiveModel {
        id: Set(id),
        raison_sociale: Set(change.raison_sociale.clone()),
        structure_type: Set(change.structure_type.clone()),
        structure_id: Set(change.structure_id.clone()),
        pending_change: Set(None),
        change_requested_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await
    .map(|_| ())
}

/// Appends to the box's history.
pub async fn record(
    db: &impl ConnectionTrait,
    org_id: i32,
    actor: Actor,
    actor_name: &str,
    action: OrgAction,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    org_event::ActiveModel {
        org_id: Set(org_id),
        actor: Set(actor.label()),
        actor_name: Set(actor_name.to_owned()),
        action: Set(action.as_str().to_owned()),
        detail: Set(detail.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// The box's history, oldest first.
pub async fn events(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<OrgEvent>, DbErr> {
    Ok(org_event::Entity::find()
        .filter(org_event::Column::OrgId.eq(org_id))
        .order_by_asc(org_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(OrgEvent {
                at: e.created_at,
                actor_name: e.actor_name,
                action: OrgAction::parse(&e.action)?,
                detail: e.detail,
            })
        })
        .collect())
}
