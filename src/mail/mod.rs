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
            .message_id(Some(headers::message_id(&self.domain)))
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
