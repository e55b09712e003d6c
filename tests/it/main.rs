mod support;

mod cgu;
mod confirmation;
mod directory;
mod journey;
mod login;
mod mail_outbox;
mod profile_validation;
mod security;
mod signup_validation;
mod steps;
