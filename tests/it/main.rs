//! Integration tests: the real `wallet` binary against a temp wallet, one
//! test binary with a module per topic.

mod support;

mod calendar_end;
mod catalogue_2024;
mod compare;
mod completion;
mod copy;
mod core;
mod corrections;
mod files;
mod hostile_input;
mod limits;
mod model;
mod postgres;
mod properties;
mod random;
mod reliability;
mod reports;
mod rules_text;
mod scenarios;
mod spending;
mod stated_rules;
mod subscriptions;
mod support_view;
