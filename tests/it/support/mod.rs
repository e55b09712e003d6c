//! Test support: the real app per test (`spawn_app`), a real SMTP server per test, fixtures,
//! HTML readers and typed database reads.

// Each test uses a part of the support; the rest is still meant to be there.
#![allow(dead_code)]

pub mod app;
pub mod browser;
pub mod db;
pub mod faulty_oidc;
pub mod fhir;
pub mod fixtures;
pub mod html;
pub mod ldap;
pub mod proxy;
pub mod psc;
pub mod serve;
pub mod smtp;

pub use app::{
    DrainReportExt, LOGIN_ERROR, MAIL_FROM_ADDRESS, TestApp, TestResponse, spawn_app,
    spawn_app_with,
};
pub use fixtures::{Form, TestUser, strong_password};
