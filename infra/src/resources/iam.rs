//! IAM: roles and the policy documents that roles, bucket policies and resource policies are written in.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::{Choice, Expr};

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// What the role is for.
    pub description: &'static str,
    /// Who may assume it.
    pub assume_role_policy_document: PolicyDocument,
    /// Inline policies: everything the role may do.
    pub policies: Vec<InlinePolicy>,
}

/// An inline policy of a role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// Its name within the role.
    pub policy_name: &'static str,
    /// Its statements.
    pub policy_document: PolicyDocument,
}

/// An IAM policy document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always `2012-10-17`.
    pub version: &'static str,
    /// The statements.
    pub statement: Vec<Chosen<Statement>>,
}

impl PolicyDocument {
    /// A document of these statements.
    pub fn new(statement: impl IntoIterator<Item = impl Into<Chosen<Statement>>>) -> Self {
        Self { version: "2012-10-17", statement: statement.into_iter().map(Into::into).collect() }
    }
}

/// A value that is always the same, or one of two chosen by a condition at deploy time.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Chosen<T> {
    /// Always this value.
    Always(T),
    /// This value or that one, by a condition.
    If(Choice<T>),
}

impl From<Statement> for Chosen<Statement> {
    fn from(statement: Statement) -> Self {
        Self::Always(statement)
    }
}

impl<T> From<Choice<T>> for Chosen<T> {
    fn from(choice: Choice<T>) -> Self {
        Self::If(choice)
    }
}

/// A policy statement.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// A name for the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'static str>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Who (resource policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// The actions.
    pub action: Vec<&'static str>,
    /// The resources (identity policies and bucket policies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    /// `{operator: {key: value}}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, Expr>>,
}

impl Statement {
    /// Allows `action` on `resource`.
    pub fn allow(action: Vec<&'static str>, resource: Vec<Expr>) -> Self {
        Self { sid: None, effect: Effect::Allow, principal: None, action, resource, condition: BTreeMap::new() }
    }

    /// Denies `action` on `resource` to anyone over plain HTTP (a resource policy's `TlsOnly`).
    pub fn tls_only(action: Vec<&'static str>, resource: Vec<Expr>) -> Self {
        Self {
            sid: Some("TlsOnly"),
            effect: Effect::Deny,
            principal: Some(Principal::Aws("*")),
            condition: BTreeMap::from([("Bool", BTreeMap::from([("aws:SecureTransport", Expr::from("false"))]))]),
            action,
            resource,
        }
    }
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, whatever else grants.
    Deny,
}

/// A statement's principal.
#[derive(Debug, Clone, Serialize)]
pub enum Principal {
    /// An AWS service (`lambda.amazonaws.com`).
    Service(&'static str),
    /// An S3 canonical user (a CloudFront origin access identity).
    CanonicalUser(Expr),
    /// Anyone (`"*"` in `AWS`), only ever with `Deny`.
    #[serde(rename = "AWS")]
    Aws(&'static str),
}
