mod support;

mod admin_console;
mod cgu;
mod confirmation;
mod directory;
mod journey;
mod login;
mod mail_outbox;
mod profile_validation;
mod psc_flow;
mod psc_rp_checks;
mod psc_support;
mod publication;
mod security;
mod signup_validation;
mod steps;
mod validation;
