//! Outgoing mail. Services never talk to SMTP: they push a rendered message to the outbox
//! (`crate::outbox::Job::Mail`) inside their transaction, and `crate::worker` delivers it with
//! lettre, over SMTP or into `.eml` files for local runs.

use std::time::Duration;

use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
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
        }
    }
}

/// The configured transport.
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Mailer {
    /// # Errors
    /// An invalid `mail.from`, SMTP relay settings, or an unwritable `mail.file_dir`.
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("mail.from is not a mailbox: {}", settings.from))?;
        Ok(match settings.transport {
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
                Self::Smtp {
                    transport: builder.build(),
                    from,
                }
            }
            MailTransport::File => {
                std::fs::create_dir_all(&settings.file_dir).with_context(|| {
                    format!("creating mail.file_dir {}", settings.file_dir.display())
                })?;
                Self::File {
                    transport: AsyncFileTransport::new(&settings.file_dir),
                    from,
                }
            }
        })
    }

    /// Delivers one message.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when retrying cannot help (invalid recipient, an SMTP 5xx
    /// answer); [`SendError::Transient`] otherwise (the worker retries).
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let from = match self {
            Self::Smtp { from, .. } | Self::File { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| SendError::Permanent(anyhow::anyhow!("invalid recipient: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(anyhow::anyhow!("building the message: {e}")))?;
        match self {
            Self::Smtp { transport, .. } => {
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        SendError::Permanent(anyhow::anyhow!("SMTP refused the message: {e}"))
                    } else {
                        SendError::Transient(anyhow::anyhow!("SMTP delivery: {e}"))
                    }
                })?;
            }
            Self::File { transport, .. } => {
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
