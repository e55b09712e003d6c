//! Outgoing mail. Services never talk to SMTP: they push a rendered message to the outbox
//! (`crate::outbox::Job::Mail`) inside their transaction, and `crate::worker` delivers it with
//! lettre, over SMTP or into `.eml` files for local runs.
//!
//! Every message carries a `Message-ID` on the operator's domain and `Auto-Submitted` (see
//! `headers`), and a DKIM signature when `mail.dkim_selector` is set (see `dkim`).

mod dkim;
mod headers;

use std::time::Duration;

use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart, dkim::DkimConfig},
    transport::smtp::authentication::Credentials,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{MailSettings, MailTransport, SmtpSecurity};

/// Why a delivery failed, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0:#}")]
    Permanent(anyhow::Error),
    #[error("{0:#}")]
    Transient(anyhow::Error),
}

/// A message as stored in the outbox: already rendered, so delivery needs nothing else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The link the mail carries; logged when mail goes to files, so a developer can click it.
    #[serde(default)]
    pub dev_link: Option<String>,
    /// The left part of the `Message-ID` (before `@` and the domain of `mail.from`), drawn
    /// once when the mail is queued: every delivery attempt of this outbox row then sends the
    /// same id, so a copy that did reach a relay before a failure is recognised as a
    /// duplicate (RFC 5322 §3.6.4). `None` in rows queued before it existed, which get a fresh
    /// id per attempt, as they did then.
    #[serde(default)]
    pub id_left: Option<String>,
}

impl OutgoingMail {
    /// A rendered template addressed to `to`.
    pub fn new(to: &str, rendered: templates::views::Email, dev_link: Option<String>) -> Self {
        Self {
            to: to.to_owned(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            dev_link,
            id_left: Some(headers::id_left()),
        }
    }
}

/// The configured transport, and what every message gets before it.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The right-hand side of `Message-ID`: the domain of `mail.from`.
    domain: String,
    dkim: Option<DkimConfig>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    /// # Errors
    /// An invalid `mail.from`, SMTP relay settings, an unwritable `mail.file_dir`, or a DKIM
    /// configuration that cannot sign (`mail.dkim_*`).
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("mail.from is not a mailbox: {}", settings.from))?;
        let domain = from.email.domain().to_lowercase();
        let dkim = dkim::from_settings(settings, &domain)?;
        let transport = match settings.transport {
            MailTransport::Smtp => {
                let host = settings.smtp_host.as_str();
                let mut builder = match settings.smtp_security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .context("configuring STARTTLS")?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .context("configuring TLS")?,
                }
                .port(settings.smtp_port)
                .timeout(Some(Duration::from_secs(settings.smtp_timeout_secs)));
                if !settings.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        settings.smtp_username.clone(),
                        settings.smtp_password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
            MailTransport::File => {
                std::fs::create_dir_all(&settings.file_dir).with_context(|| {
                    format!("creating mail.file_dir {}", settings.file_dir.display())
                })?;
                Transport::File(AsyncFileTransport::new(&settings.file_dir))
            }
        };
        Ok(Self {
            transport,
            from,
            domain,
            dkim,
        })
    }

    /// The message as it leaves: headers, both parts, and the DKIM signature last (it covers
    /// the headers above it).
    fn build(&self, mail: &OutgoingMail) -> Result<Message, SendError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| SendError::Permanent(anyhow::anyhow!("invalid recipient: {e}")))?;
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(headers::message_id(
                mail.id_left.as_deref(),
                &self.domain,
            )))
            .header(headers::AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(anyhow::anyhow!("building the message: {e}")))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message)
    }

    /// Delivers one message.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when retrying cannot help (invalid recipient, an SMTP 5xx
    /// answer); [`SendError::Transient`] otherwise (the worker retries).
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(transport) => {
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        SendError::Permanent(anyhow::anyhow!("SMTP refused the message: {e}"))
                    } else {
                        SendError::Transient(anyhow::anyhow!("SMTP delivery: {e}"))
                    }
                })?;
            }
            Transport::File(transport) => {
                let id = transport.send(message).await.map_err(|e| {
                    SendError::Transient(anyhow::anyhow!("writing the .eml file: {e}"))
                })?;
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    file = %id,
                    link = mail.dev_link.as_deref().unwrap_or(""),
                    "mail written to file"
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer {
            // Never used: `build` does not send.
            transport: Transport::File(AsyncFileTransport::new(std::env::temp_dir())),
            from: "Medimail <no-reply@medimail.fr>".parse().expect("mailbox"),
            domain: "medimail.fr".into(),
            dkim: None,
        }
    }

    fn queued() -> OutgoingMail {
        let rendered = templates::views::Email {
            subject: "Objet".into(),
            text: "texte".into(),
            html: "<p>html</p>".into(),
        };
        OutgoingMail::new("jeanne@example.fr", rendered, None)
    }

    fn message_id(message: &Message) -> String {
        message
            .headers()
            .get_raw("Message-ID")
            .expect("a Message-ID")
            .to_owned()
    }

    #[test]
    fn every_attempt_of_one_queued_mail_sends_the_same_message_id_and_two_mails_differ() {
        let mailer = mailer();
        let mail = queued();
        // As the outbox stores it, and reads it back at each attempt.
        let payload = serde_json::to_string(&mail).expect("encode");
        let again: OutgoingMail = serde_json::from_str(&payload).expect("decode");

        let first = message_id(&mailer.build(&mail).expect("build"));
        let retry = message_id(&mailer.build(&again).expect("build"));
        let other = message_id(&mailer.build(&queued()).expect("build"));

        assert_eq!(first, retry);
        assert!(first.ends_with("@medimail.fr>"), "{first}");
        assert_ne!(first, other);
    }
}
