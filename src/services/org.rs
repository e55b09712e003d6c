//! Organisational mailboxes (BAL ORG, issue 10): requested from a validated individual account,
//! shared by members, decided by an administrator of the structure's région or of the structure,
//! published like a BAL PER.
//!
//! Every change is one transaction with its history line, its mails and its directory job
//! (outbox). Member changes first take the box's row lock ([`repo::orgs::lock`]), so the rule
//! "a box keeps at least one responsable" holds under concurrent requests.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use crate::domain::org::{
    Invitation, Member, OrgBox, OrgChange, OrgEvent, OrgForm, OrgInput, OrgStatus, Role, parse_org,
};
use crate::domain::{Account, Actor, EmailAddress, FieldErrors, Scope};
use crate::{
    clock::Timestamp,
    domain::mailbox::{AddressPattern, MailboxAddress},
    domain::org::OrgAction,
    error::is_unique_violation,
    mail::OutgoingMail,
    outbox::{self, Job, Publish},
    repo,
    services::{registration::mail_allowed, validation::Decider},
    state::AppState,
};

/// Suffixes tried for a wish already taken (secretariat, secretariat2 … secretariat999).
const MAX_SUFFIX: u32 = 999;

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// No such box, or the account is not one of its members (the same answer, so that a
    /// stranger learns nothing about other boxes).
    #[error("no such box")]
    NotFound,
    /// A member who is not a responsable, an account that may not request, or a box in a state
    /// that does not allow the action.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("invalid form")]
    Invalid(FieldErrors),
    /// The box would be left without a responsable.
    #[error("last responsable")]
    LastResponsable,
    /// The request or the change was modified after the administrator's page was shown: what
    /// they saw is not what they would decide on.
    #[error("changed meanwhile")]
    Changed,
    /// `[addresses.regions]` has no label for the box's région: a configuration error the
    /// operator fixes, not a reason to reject the request.
    #[error("no address label for the région")]
    NoRegionLabel,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for OrgError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Who acts on a box: a member (by account) or an administrator.
fn actor_name(account: &Account) -> String {
    format!("{} {}", account.prenom, account.nom)
}

/// May this account request a box? "On ne peut accéder à une BAL ORG qu'à partir d'un compte
/// individuel nominatif": a validated, enabled individual account (PER or MED).
pub fn may_request(account: &Account) -> bool {
    account.validated_at.is_some() && !account.disabled && account.bal_type.is_some()
}

/// Records a request; its author becomes the first responsable.
///
/// # Errors
/// [`OrgError::Forbidden`] for an account that may not request, [`OrgError::Invalid`].
pub async fn request(
    state: &AppState,
    account: &Account,
    input: &OrgInput,
) -> Result<i32, OrgError> {
    if !may_request(account) {
        return Err(OrgError::Forbidden(
            "only validated individual accounts request a box",
        ));
    }
    let reserved = &state.settings.addresses.reserved_local_parts;
    let request = parse_org(input, OrgForm::Request { reserved }, &state.nomenclatures)
        .map_err(OrgError::Invalid)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let id = repo::orgs::insert(&txn, &request, account.id, now).await?;
    let detail = format!("{} ({})", request.libelle.as_str(), request.local);
    record(
        &txn,
        id,
        Actor::Account(account.id),
        &actor_name(account),
        OrgAction::Requested,
        Some(&detail),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

async fn record(
    db: &impl ConnectionTrait,
    org_id: i32,
    actor: Actor,
    name: &str,
    action: OrgAction,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    repo::orgs::record(db, org_id, actor, name, action, detail, now).await
}

/// What a member sees of a box.
#[derive(Debug, Clone)]
pub struct OrgPage {
    pub org: OrgBox,
    /// The viewer's role.
    pub role: Role,
    pub members: Vec<Member>,
    /// Waiting invitations, shown to responsables only (who may withdraw them).
    pub invitations: Vec<Invitation>,
    pub history: Vec<OrgEvent>,
}

/// Loads the box for one of its members.
///
/// # Errors
/// [`OrgError::NotFound`] when the box does not exist or the account is not a member.
pub async fn for_member(
    db: &DatabaseConnection,
    org_id: i32,
    account_id: i32,
) -> Result<OrgPage, OrgError> {
    let (org, role) = member_of(db, org_id, account_id).await?;
    let invitations = if role == Role::Responsable {
        repo::orgs::invitations(db, org_id).await?
    } else {
        Vec::new()
    };
    Ok(OrgPage {
        members: repo::orgs::members(db, org_id).await?,
        invitations,
        history: repo::orgs::events(db, org_id).await?,
        org,
        role,
    })
}

async fn member_of(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
) -> Result<(OrgBox, Role), OrgError> {
    let org = repo::orgs::find(db, org_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    match repo::orgs::membership(db, org_id, account_id).await? {
        Some(role) => Ok((org, role)),
        None => Err(OrgError::NotFound),
    }
}

/// A responsable of an open box (pending or validated), inside `txn` with the box locked.
async fn responsable_of(
    txn: &impl ConnectionTrait,
    org_id: i32,
    account_id: i32,
) -> Result<OrgBox, OrgError> {
    if !repo::orgs::lock(txn, org_id).await? {
        return Err(OrgError::NotFound);
    }
    let (org, role) = member_of(txn, org_id, account_id).await?;
    if role != Role::Responsable {
        return Err(OrgError::Forbidden("only a responsable manages the box"));
    }
    if matches!(org.status(), OrgStatus::Closed | OrgStatus::Rejected) {
        return Err(OrgError::Forbidden("the box is closed or was rejected"));
    }
    Ok(org)
}

/// The boxes an account belongs to, with its role.
///
/// # Errors
/// Database failures.
pub async fn of_account(
    db: &DatabaseConnection,
    account_id: i32,
) -> Result<Vec<(OrgBox, Role)>, DbErr> {
    repo::orgs::of_account(db, account_id).await
}

/// The invitations waiting for the account: those sent to its confirmed address by open boxes
/// it is not a member of yet. An invitation sent before the account existed shows here too.
///
/// # Errors
/// Database failures.
pub async fn invitations_for(
    db: &DatabaseConnection,
    account: &Account,
) -> Result<Vec<(OrgBox, Invitation)>, DbErr> {
    if !account.email_confirmed {
        return Ok(Vec::new());
    }
    let mut invitations = Vec::new();
    for (org, invitation) in repo::orgs::invitations_to(db, &account.email).await? {
        if repo::orgs::membership(db, org.id, account.id)
            .await?
            .is_none()
        {
            invitations.push((org, invitation));
        }
    }
    Ok(invitations)
}

/// A responsable invites someone by the address of their individual account. Nothing in the
/// answer, the box's page or its history depends on whether an account holds the address (no
/// enumeration, OWASP ASVS 2.2.x/3.x "account existence"): the invitation is the address typed,
/// listed by address only. Only the mail differs, and only its recipient reads it: the holder of
/// an account is told to answer on `/compte`; anyone else is told to create an individual
/// account with this address first, and finds the invitation there once it is confirmed.
/// Mails count towards the address's daily cap.
///
/// # Errors
/// [`OrgError::Invalid`] for a malformed address; the access errors of a responsable action.
pub async fn invite(
    state: &AppState,
    actor: &Account,
    org_id: i32,
    raw_email: &str,
) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // The access check first: a plain member gets 403, not a form error.
    let org = responsable_of(&txn, org_id, actor.id).await?;
    let email = EmailAddress::parse(raw_email)
        .map_err(|e| OrgError::Invalid(vec![("email", e.to_string())]))?;
    // A member's address (the responsable's own included) is already on the page: nothing new.
    let already_member = repo::orgs::members(&txn, org_id)
        .await?
        .iter()
        .any(|m| m.email == email.as_str());
    if already_member || !repo::orgs::invite(&txn, org_id, email.as_str(), now).await? {
        txn.commit().await?;
        return Ok(());
    }
    let inviter = actor_name(actor);
    record(
        &txn,
        org_id,
        Actor::Account(actor.id),
        &inviter,
        OrgAction::Invited,
        Some(email.as_str()),
        now,
    )
    .await?;
    let service = state.settings.service_name.clone();
    let subject = format!("Invitation à rejoindre une BAL organisationnelle {service}");
    let invitee = repo::accounts::find_by_email(&txn, &email).await?;
    let mail = match invitee {
        // Closed, disabled or not yet confirmed accounts are treated like unknown addresses.
        Some(invitee) if invitee.email_confirmed && !invitee.disabled && invitee.closed_at.is_none() => {
            templates::views::NoticeMail {
                service_name: service.clone(),
                prenom: invitee.prenom.clone(),
                subject,
                paragraphs: vec![
                    format!("{inviter} vous invite à rejoindre la boîte aux lettres organisationnelle « {} » ({}).", org.libelle, org.raison_sociale),
                    "Connectez-vous à votre compte pour accepter ou refuser cette invitation : elle vous attend sur la page « Mon compte ».".to_owned(),
                ],
                link: Some((state.public_url.join(urls::ACCOUNT), "Voir l'invitation".to_owned())),
                support: state.support(),
                ..Default::default()
            }
        }
        _ => templates::views::NoticeMail {
            service_name: service.clone(),
            subject,
            paragraphs: vec![
                format!("{inviter} souhaite vous donner accès à la boîte aux lettres organisationnelle « {} » ({}) sur la messagerie sécurisée de santé {service}.", org.libelle, org.raison_sociale),
                "On ne peut accéder à une BAL organisationnelle qu'à partir d'un compte individuel nominatif : créez d'abord votre compte avec cette adresse mail. Une fois votre compte validé, l'invitation vous attendra sur la page « Mon compte ».".to_owned(),
                "Si vous ne connaissez pas cette personne, ignorez ce message.".to_owned(),
            ],
            link: Some((state.public_url.join(urls::SIGNUP), "Créer mon compte".to_owned())),
            support: state.support(),
            ..Default::default()
        },
    };
    if mail_allowed(state, &txn, &email, now).await? {
        push_notice(&txn, email.as_str(), &mail, now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// The invitee answers an invitation sent to their address. Declining is always possible;
/// accepting needs an account that may use a BAL ORG ([`may_request`]: "on ne peut accéder à
/// une BAL ORG qu'à partir d'un compte individuel nominatif", validated).
///
/// # Errors
/// [`OrgError::NotFound`] when no invitation waits for the account's address in an open box;
/// [`OrgError::Forbidden`] when accepting from an account not validated yet.
pub async fn answer_invitation(
    state: &AppState,
    account: &Account,
    org_id: i32,
    accept: bool,
) -> Result<(), OrgError> {
    if !account.email_confirmed {
        return Err(OrgError::NotFound);
    }
    if accept && !may_request(account) {
        return Err(OrgError::Forbidden(
            "only validated individual accounts join a box",
        ));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::orgs::lock(&txn, org_id).await?;
    let open = repo::orgs::find(&txn, org_id)
        .await?
        .is_some_and(|o| o.closed_at.is_none() && o.rejected_at.is_none());
    if !open || !repo::orgs::take_invitation(&txn, org_id, &account.email).await? {
        return Err(OrgError::NotFound);
    }
    let action = if accept {
        if !repo::orgs::add_member(&txn, org_id, account.id, Role::Membre, now).await? {
            // Already a member (invited again at a new address): only the invitation goes.
            txn.commit().await?;
            return Ok(());
        }
        OrgAction::InvitationAccepted
    } else {
        OrgAction::InvitationDeclined
    };
    record(
        &txn,
        org_id,
        Actor::Account(account.id),
        &actor_name(account),
        action,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A responsable withdraws an invitation that was not answered yet.
///
/// # Errors
/// [`OrgError::NotFound`] when the box has no such invitation; the access errors of a
/// responsable action.
pub async fn withdraw_invitation(
    state: &AppState,
    actor: &Account,
    org_id: i32,
    invitation_id: i32,
) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    responsable_of(&txn, org_id, actor.id).await?;
    let email = repo::orgs::withdraw_invitation(&txn, org_id, invitation_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    record(
        &txn,
        org_id,
        Actor::Account(actor.id),
        &actor_name(actor),
        OrgAction::InvitationWithdrawn,
        Some(&email),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a responsable does to another member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Remove,
    Promote,
    Demote,
}

/// A responsable removes a member, promotes a member to responsable, or makes a responsable a
/// plain member again. The box keeps at least one active responsable: removing or demoting the
/// last one is refused. Changes to the responsables are
/// re-published (they are the box's `mssResponsable`).
///
/// # Errors
/// [`OrgError::LastResponsable`]; [`OrgError::NotFound`] when the target is not a member.
pub async fn change_member(
    state: &AppState,
    actor: &Account,
    org_id: i32,
    member_id: i32,
    change: MemberChange,
) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let org = responsable_of(&txn, org_id, actor.id).await?;
    let role = repo::orgs::membership(&txn, org_id, member_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    let target = repo::accounts::find(&txn, member_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    let action = match change {
        MemberChange::Remove => {
            repo::orgs::remove_member(&txn, org_id, member_id).await?;
            OrgAction::MemberRemoved
        }
        MemberChange::Promote => {
            repo::orgs::set_role(&txn, org_id, member_id, Role::Responsable).await?;
            OrgAction::Promoted
        }
        MemberChange::Demote => {
            repo::orgs::set_role(&txn, org_id, member_id, Role::Membre).await?;
            OrgAction::Demoted
        }
    };
    if repo::orgs::active_responsable_count(&txn, org_id).await? == 0 {
        return Err(OrgError::LastResponsable); // dropped: rolled back
    }
    let detail = format!("{} ({})", actor_name(&target), target.email);
    record(
        &txn,
        org_id,
        Actor::Account(actor.id),
        &actor_name(actor),
        action,
        Some(&detail),
        now,
    )
    .await?;
    if role == Role::Responsable || change == MemberChange::Promote {
        republish(&txn, &org, now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// A member leaves the box; the last responsable cannot.
///
/// # Errors
/// [`OrgError::LastResponsable`], [`OrgError::NotFound`].
pub async fn leave(state: &AppState, account: &Account, org_id: i32) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::orgs::lock(&txn, org_id).await?;
    let (org, role) = member_of(&txn, org_id, account.id).await?;
    repo::orgs::remove_member(&txn, org_id, account.id).await?;
    // Only a responsable can be the last one; a plain member always may go, even from a box
    // whose responsables were all disabled.
    let open = matches!(org.status(), OrgStatus::Pending | OrgStatus::Validated);
    if role == Role::Responsable
        && open
        && repo::orgs::active_responsable_count(&txn, org_id).await? == 0
    {
        return Err(OrgError::LastResponsable);
    }
    record(
        &txn,
        org_id,
        Actor::Account(account.id),
        &actor_name(account),
        OrgAction::Left,
        None,
        now,
    )
    .await?;
    if role == Role::Responsable {
        republish(&txn, &org, now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Takes a closing account out of its boxes, in the closure's transaction. Returns the libellés
/// of the open boxes it is the last active responsable of: the closure must then be refused
/// (the caller drops the transaction, which undoes the rest), since "a box always keeps at
/// least one responsable". Each box is locked before the account's role in it is read, as
/// every member change does, so a promotion or a departure cannot slip in between.
///
/// # Errors
/// Database failures.
pub async fn release_closing_account(
    txn: &impl ConnectionTrait,
    account: &Account,
    now: Timestamp,
) -> Result<Vec<String>, DbErr> {
    let mut blocking = Vec::new();
    for (listed, _) in repo::orgs::of_account(txn, account.id).await? {
        repo::orgs::lock(txn, listed.id).await?;
        let (Some(org), Some(role)) = (
            repo::orgs::find(txn, listed.id).await?,
            repo::orgs::membership(txn, listed.id, account.id).await?,
        ) else {
            continue;
        };
        repo::orgs::remove_member(txn, org.id, account.id).await?;
        if !matches!(org.status(), OrgStatus::Pending | OrgStatus::Validated) {
            continue;
        }
        if role == Role::Responsable
            && repo::orgs::active_responsable_count(txn, org.id).await? == 0
        {
            blocking.push(org.libelle.clone());
            continue;
        }
        record(
            txn,
            org.id,
            Actor::Account(account.id),
            &actor_name(account),
            OrgAction::Left,
            Some("compte individuel fermé"),
            now,
        )
        .await?;
        if role == Role::Responsable {
            republish(txn, &org, now).await?;
        }
    }
    Ok(blocking)
}

/// Renders a notice mail and puts it in the outbox, in the caller's transaction.
async fn push_notice(
    txn: &impl ConnectionTrait,
    to: &str,
    mail: &templates::views::NoticeMail,
    now: Timestamp,
) -> Result<(), DbErr> {
    let rendered = templates::email::notice_mail(mail);
    outbox::push(txn, &Job::Mail(OutgoingMail::new(to, rendered, None)), now).await
}

/// Queues the box's directory entries for recomputation, if it was ever published.
async fn republish(txn: &impl ConnectionTrait, org: &OrgBox, now: Timestamp) -> Result<(), DbErr> {
    if org.validated_at.is_some() {
        outbox::push(txn, &Job::Directory(Publish::Org { org_id: org.id }), now).await?;
    }
    Ok(())
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    /// Applied (and re-published when validated).
    Applied,
    /// Applied, and the raison sociale or the structure identifier waits for an administrator.
    ChangeRequested,
}

/// A responsable edits the box. Service, description, telephone, address, dématérialisation,
/// visibility and libellé apply at once and are re-published; the raison sociale and the
/// structure identifier of a validated box wait for an administrator (before validation they
/// are part of the request being decided, and change at once). The address never changes.
///
/// # Errors
/// [`OrgError::Invalid`], and the access errors of a responsable action.
pub async fn edit(
    state: &AppState,
    actor: &Account,
    org_id: i32,
    input: &OrgInput,
) -> Result<EditOutcome, OrgError> {
    let request =
        parse_org(input, OrgForm::Edit, &state.nomenclatures).map_err(OrgError::Invalid)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let org = responsable_of(&txn, org_id, actor.id).await?;
    repo::orgs::update_editable(&txn, org_id, &request).await?;
    let name = actor_name(actor);
    record(
        &txn,
        org_id,
        Actor::Account(actor.id),
        &name,
        OrgAction::Updated,
        None,
        now,
    )
    .await?;
    let change = OrgChange {
        raison_sociale: request.raison_sociale.as_str().to_owned(),
        structure_type: request.structure.kind().as_str().to_owned(),
        structure_id: request.structure.as_str().to_owned(),
    };
    let current = org.current_structure();
    let mut outcome = EditOutcome::Applied;
    if change != current {
        if org.validated_at.is_some() {
            repo::orgs::set_pending_change(&txn, org_id, Some(&change), now).await?;
            let detail = change.to_string();
            record(
                &txn,
                org_id,
                Actor::Account(actor.id),
                &name,
                OrgAction::ChangeRequested,
                Some(&detail),
                now,
            )
            .await?;
            outcome = EditOutcome::ChangeRequested;
        } else {
            repo::orgs::set_structure(&txn, org_id, &change).await?;
        }
    } else if org.pending_change.is_some() {
        // Typed back to the current values: nothing left to decide.
        repo::orgs::set_pending_change(&txn, org_id, None, now).await?;
    }
    republish(&txn, &org, now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(outcome)
}

/// A responsable closes the box: its entries are removed, every member is told, and its address
/// stays reserved for ever (it was put in `reserved_addresses` on validation). A pending request
/// can be closed too (withdrawn).
///
/// # Errors
/// The access errors of a responsable action.
pub async fn close(state: &AppState, actor: &Account, org_id: i32) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let org = responsable_of(&txn, org_id, actor.id).await?;
    repo::orgs::set_closed(&txn, org_id, now).await?;
    repo::orgs::drop_invitations(&txn, org_id).await?;
    let name = actor_name(actor);
    record(
        &txn,
        org_id,
        Actor::Account(actor.id),
        &name,
        OrgAction::Closed,
        None,
        now,
    )
    .await?;
    let service = state.settings.service_name.clone();
    for member in repo::orgs::members(&txn, org_id).await? {
        let mut paragraphs = vec![format!(
            "{name} a fermé la boîte aux lettres organisationnelle « {} » ({}).",
            org.libelle, org.raison_sociale
        )];
        if let Some(address) = &org.mailbox_address {
            paragraphs.push(format!("L'adresse {address} n'apparaît plus dans les annuaires. Elle reste réservée : elle ne sera jamais attribuée à une autre boîte."));
        }
        let mail = templates::views::NoticeMail {
            service_name: service.clone(),
            prenom: member.prenom.clone(),
            subject: format!("Fermeture d'une BAL organisationnelle {service}"),
            paragraphs,
            support: state.support(),
            ..Default::default()
        };
        push_notice(&txn, &member.email, &mail, now).await?;
    }
    republish(&txn, &org, now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

// --- Administrators ---

/// Whether one of the scopes covers the box: its région, or its structure identifier
/// (`structure:<FINESS>` administrators see their structure's boxes).
pub fn in_scope(scopes: &[Scope], org: &OrgBox) -> bool {
    scopes
        .iter()
        .any(|s| s.covers(Some(&org.region), org.structure()))
}

/// Pending requests within the scopes, oldest first, with their requester's account.
///
/// # Errors
/// Database failures.
pub async fn pending_queue(
    db: &DatabaseConnection,
    scopes: &[Scope],
) -> Result<Vec<(OrgBox, Option<Account>)>, DbErr> {
    let mut rows = Vec::new();
    for org in repo::orgs::pending(db)
        .await?
        .into_iter()
        .filter(|o| in_scope(scopes, o))
    {
        let requester = match org.requested_by {
            Some(id) => repo::accounts::find(db, id).await?,
            None => None,
        };
        rows.push((org, requester));
    }
    Ok(rows)
}

/// Validated boxes within the scopes whose raison sociale or structure identifier change waits.
///
/// # Errors
/// Database failures.
pub async fn pending_changes(
    db: &DatabaseConnection,
    scopes: &[Scope],
) -> Result<Vec<OrgBox>, DbErr> {
    Ok(repo::orgs::with_pending_change(db)
        .await?
        .into_iter()
        .filter(|o| in_scope(scopes, o))
        .collect())
}

/// What the administrators' page shows.
#[derive(Debug, Clone)]
pub struct AdminOrgPage {
    pub org: OrgBox,
    pub requester: Option<Account>,
    pub members: Vec<Member>,
    pub history: Vec<OrgEvent>,
}

/// Loads a box for an administrator.
///
/// # Errors
/// [`OrgError::NotFound`], or [`OrgError::Forbidden`] outside the admin's scopes.
pub async fn for_admin(
    db: &DatabaseConnection,
    scopes: &[Scope],
    org_id: i32,
) -> Result<AdminOrgPage, OrgError> {
    let org = repo::orgs::find(db, org_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    if !in_scope(scopes, &org) {
        return Err(OrgError::Forbidden("box outside the administrator's scope"));
    }
    let requester = match org.requested_by {
        Some(id) => repo::accounts::find(db, id).await?,
        None => None,
    };
    Ok(AdminOrgPage {
        members: repo::orgs::members(db, org_id).await?,
        history: repo::orgs::events(db, org_id).await?,
        requester,
        org,
    })
}

fn decider_name(decider: Decider) -> &'static str {
    match decider {
        Decider::Admin(_) => "Administrateur",
        Decider::System => "Service",
    }
}

/// Validates a pending request: assigns the address from `addresses.org_pattern` (a wish taken
/// gets 2, 3…), mails every responsable, publishes. Returns `None` when it was decided
/// meanwhile.
///
/// Two validations of the same wish meet on the primary key of `reserved_addresses` (every
/// assigned ORG address is reserved for ever in the same transaction): the loser's insert fails
/// and it moves on to the next suffix.
///
/// `org` is the box as the administrator's page showed it (the caller checked the posted
/// [`OrgBox::request_fingerprint`] against it): if a responsable changed the request since,
/// nothing is decided and [`OrgError::Changed`] says so.
///
/// # Errors
/// [`OrgError::Forbidden`] when no address can be built from the wish;
/// [`OrgError::NoRegionLabel`]; [`OrgError::Changed`].
pub async fn validate(
    state: &AppState,
    decider: Decider,
    org: &OrgBox,
) -> Result<Option<MailboxAddress>, OrgError> {
    if org.status() != OrgStatus::Pending {
        return Ok(None);
    }
    let addresses = &state.settings.addresses;
    let pattern = AddressPattern::parse_org(&addresses.org_pattern)
        .map_err(|e| anyhow::anyhow!("invalid org address pattern: {e}"))?;
    let region = addresses
        .regions
        .get(&org.region)
        .ok_or(OrgError::NoRegionLabel)?;
    let mut suffix = None;
    loop {
        let address = pattern
            .render_org(&org.local_wish, region, suffix)
            .map_err(|_| OrgError::Forbidden("no usable address"))?;
        match try_validate(state, decider, org, &address).await {
            Ok(Attempt::Validated) => {
                state.outbox.wake();
                return Ok(Some(address));
            }
            Ok(Attempt::Decided) => return Ok(None),
            Ok(Attempt::Changed) => return Err(OrgError::Changed),
            Ok(Attempt::Taken) => {
                let next = suffix.map_or(2, |n| n + 1);
                if next > MAX_SUFFIX {
                    return Err(OrgError::Forbidden("no usable address"));
                }
                suffix = Some(next);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

enum Attempt {
    Validated,
    /// Decided meanwhile by someone else.
    Decided,
    /// Edited meanwhile by a responsable.
    Changed,
    /// The address is taken (found, or a unique index said no): try the next suffix.
    Taken,
}

async fn try_validate(
    state: &AppState,
    decider: Decider,
    org: &OrgBox,
    address: &MailboxAddress,
) -> Result<Attempt, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // Under the box's lock, so no edit slips in between this check and the decision.
    repo::orgs::lock(&txn, org.id).await?;
    let Some(current) = repo::orgs::find(&txn, org.id).await? else {
        return Ok(Attempt::Decided);
    };
    if current.status() != OrgStatus::Pending {
        return Ok(Attempt::Decided);
    }
    if current.request_fingerprint() != org.request_fingerprint() {
        return Ok(Attempt::Changed);
    }
    if repo::accounts::address_taken(&txn, address.as_str()).await? {
        return Ok(Attempt::Taken);
    }
    match repo::accounts::reserve_address(&txn, address.as_str(), now).await {
        Err(e) if is_unique_violation(&e) => return Ok(Attempt::Taken),
        other => other?,
    }
    match repo::orgs::set_validated(&txn, org.id, address.as_str(), now).await {
        Err(e) if is_unique_violation(&e) => return Ok(Attempt::Taken),
        Ok(false) => return Ok(Attempt::Decided),
        other => other.map(|_| ())?,
    }
    record(
        &txn,
        org.id,
        decider.actor(),
        decider_name(decider),
        OrgAction::Validated,
        Some(address.as_str()),
        now,
    )
    .await?;
    let service = state.settings.service_name.clone();
    for member in responsables(&txn, org.id).await? {
        let mail = templates::views::NoticeMail {
            service_name: service.clone(),
            prenom: member.prenom.clone(),
            subject: format!("Votre BAL organisationnelle {service} est validée"),
            paragraphs: vec![
                format!("Un administrateur a validé la boîte aux lettres organisationnelle « {} » ({}). Son adresse MSSanté :", org.libelle, org.raison_sociale),
                "Elle est partagée par les membres que vous y invitez depuis votre compte, et visible dans l'annuaire national MSSanté par tous les utilisateurs de MSSanté, sauf si vous avez choisi de ne pas y apparaître.".to_owned(),
            ],
            highlight: Some(address.as_str().to_owned()),
            link: Some((state.public_url.join(&urls::org(org.id)), "Gérer la BAL".to_owned())),
            support: state.support(),
            ..Default::default()
        };
        push_notice(&txn, &member.email, &mail, now).await?;
    }
    outbox::push(&txn, &Job::Directory(Publish::Org { org_id: org.id }), now).await?;
    txn.commit().await?;
    Ok(Attempt::Validated)
}

async fn responsables(db: &impl ConnectionTrait, org_id: i32) -> Result<Vec<Member>, DbErr> {
    Ok(repo::orgs::members(db, org_id)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Responsable)
        .collect())
}

/// Rejects a pending request with a reason, mailed to every responsable. False when it was
/// decided meanwhile. `org` is the box as the administrator's page showed it.
///
/// # Errors
/// [`OrgError::Changed`] when a responsable edited the request since.
pub async fn reject(
    state: &AppState,
    decider: Decider,
    org: &OrgBox,
    reason: &str,
) -> Result<bool, OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::orgs::lock(&txn, org.id).await?;
    let current = repo::orgs::find(&txn, org.id)
        .await?
        .ok_or(OrgError::NotFound)?;
    if current.status() == OrgStatus::Pending
        && current.request_fingerprint() != org.request_fingerprint()
    {
        return Err(OrgError::Changed);
    }
    if !repo::orgs::set_rejected(&txn, org.id, reason, now).await? {
        return Ok(false);
    }
    repo::orgs::drop_invitations(&txn, org.id).await?;
    record(
        &txn,
        org.id,
        decider.actor(),
        decider_name(decider),
        OrgAction::Rejected,
        Some(reason),
        now,
    )
    .await?;
    let service = state.settings.service_name.clone();
    for member in responsables(&txn, org.id).await? {
        let mail = templates::views::NoticeMail {
            service_name: service.clone(),
            prenom: member.prenom.clone(),
            subject: format!("Votre demande de BAL organisationnelle {service}"),
            paragraphs: vec![
                format!("Un administrateur {service} a examiné la demande de boîte aux lettres organisationnelle « {} » ({}) et ne l'a pas validée.", org.libelle, org.raison_sociale),
                "Si vous pensez qu'il s'agit d'une erreur, contactez le support (coordonnées ci-dessous).".to_owned(),
            ],
            reason: Some(reason.to_owned()),
            support: state.support(),
            ..Default::default()
        };
        push_notice(&txn, &member.email, &mail, now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(true)
}

/// Accepts the waiting change of raison sociale / structure identifier, provided it is still
/// `seen` (what the administrator's page showed), re-publishes, and tells the responsables.
///
/// # Errors
/// [`OrgError::Changed`] when no change waits any more or a responsable replaced it meanwhile.
pub async fn accept_change(
    state: &AppState,
    decider: Decider,
    scopes: &[Scope],
    org_id: i32,
    seen: &OrgChange,
) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    locked_in_scope(&txn, scopes, org_id).await?;
    if !repo::orgs::apply_change(&txn, org_id, seen).await? {
        return Err(OrgError::Changed);
    }
    let org = repo::orgs::find(&txn, org_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    let detail = seen.to_string();
    record(
        &txn,
        org_id,
        decider.actor(),
        decider_name(decider),
        OrgAction::ChangeAccepted,
        Some(&detail),
        now,
    )
    .await?;
    notify_change_decision(state, &txn, &org, seen, None, now).await?;
    republish(&txn, &org, now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Refuses the waiting change, provided it is still `seen`, with a reason kept in the history
/// members see and mailed to the responsables.
///
/// # Errors
/// [`OrgError::Changed`] when no change waits any more or a responsable replaced it meanwhile.
pub async fn refuse_change(
    state: &AppState,
    decider: Decider,
    scopes: &[Scope],
    org_id: i32,
    seen: &OrgChange,
    reason: &str,
) -> Result<(), OrgError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let org = locked_in_scope(&txn, scopes, org_id).await?;
    if org.pending_change.as_ref() != Some(seen) {
        return Err(OrgError::Changed);
    }
    repo::orgs::set_pending_change(&txn, org_id, None, now).await?;
    record(
        &txn,
        org_id,
        decider.actor(),
        decider_name(decider),
        OrgAction::ChangeRefused,
        Some(reason),
        now,
    )
    .await?;
    notify_change_decision(state, &txn, &org, seen, Some(reason), now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Locks the box and checks, under the lock, that the administrator's scopes still cover it
/// (a responsable's edit of its address may have moved it to another région).
async fn locked_in_scope(
    txn: &impl ConnectionTrait,
    scopes: &[Scope],
    org_id: i32,
) -> Result<OrgBox, OrgError> {
    repo::orgs::lock(txn, org_id).await?;
    let org = repo::orgs::find(txn, org_id)
        .await?
        .ok_or(OrgError::NotFound)?;
    if !in_scope(scopes, &org) {
        return Err(OrgError::Forbidden("box outside the administrator's scope"));
    }
    Ok(org)
}

/// Mails every responsable the decision on a change of raison sociale or structure identifier
/// (`refused` holds the reason of a refusal).
async fn notify_change_decision(
    state: &AppState,
    txn: &impl ConnectionTrait,
    org: &OrgBox,
    change: &OrgChange,
    refused: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let service = state.settings.service_name.clone();
    let verdict = if refused.is_some() {
        "n'a pas accepté"
    } else {
        "a accepté"
    };
    for member in responsables(txn, org.id).await? {
        let mail = templates::views::NoticeMail {
            service_name: service.clone(),
            prenom: member.prenom.clone(),
            subject: format!("Modification de votre BAL organisationnelle {service}"),
            paragraphs: vec![format!(
                "Un administrateur {verdict} la modification demandée pour la boîte aux lettres organisationnelle « {} » : {change}.",
                org.libelle
            )],
            reason: refused.map(str::to_owned),
            link: Some((
                state.public_url.join(&urls::org(org.id)),
                "Voir la BAL".to_owned(),
            )),
            support: state.support(),
            ..Default::default()
        };
        push_notice(txn, &member.email, &mail, now).await?;
    }
    Ok(())
}
