//! A CloudFormation template: the resources of [`crate::resources`] under their logical IDs, with the
//! parameters, conditions, rules and outputs of [`crate::cfn`], serialized in CloudFormation's layout.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
    cfn::{Expr, Id, Output, Parameter, Rule},
    resources::Resource,
};

/// What CloudFormation does with a resource's data when the resource is deleted or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Policy {
    /// The resource is left in the account.
    Retain,
    /// The resource is deleted.
    Delete,
}

/// A resource with its template-level attributes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    /// The resource's type and properties.
    #[serde(flatten)]
    pub resource: Resource,
    /// The condition without which the resource is not created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Id>,
    /// What happens to it when it leaves the stack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<Policy>,
    /// What happens to the old one when an update replaces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<Policy>,
    /// Resources created before it that it does not refer to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Id>,
}

/// A CloudFormation template, built resource by resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    parameters: BTreeMap<Id, Parameter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    conditions: BTreeMap<Id, Expr>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    rules: BTreeMap<Id, Rule>,
    resources: BTreeMap<Id, Entry>,
    outputs: BTreeMap<Id, Output>,
}

impl Template {
    /// An empty template.
    pub fn new(description: &str) -> Self {
        Self {
            format_version: "2010-09-09",
            description: description.to_owned(),
            parameters: BTreeMap::new(),
            conditions: BTreeMap::new(),
            rules: BTreeMap::new(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    /// Adds a resource; returns its ID for references.
    pub fn add(&mut self, id: Id, resource: impl Into<Resource>) -> Id {
        self.insert(
            id,
            Entry {
                resource: resource.into(),
                condition: None,
                deletion_policy: None,
                update_replace_policy: None,
                depends_on: Vec::new(),
            },
        )
    }

    /// Adds a resource that exists only when `condition` holds; refer to it only under `Fn::If` on that condition.
    pub fn add_if(&mut self, condition: Id, id: Id, resource: impl Into<Resource>) -> Id {
        let entry = Entry {
            resource: resource.into(),
            condition: Some(condition),
            deletion_policy: None,
            update_replace_policy: None,
            depends_on: Vec::new(),
        };
        self.insert(id, entry)
    }

    /// Adds a resource that stays in the account when the stack is deleted or the resource replaced.
    pub fn add_retained(&mut self, id: Id, resource: impl Into<Resource>) -> Id {
        let retain = Some(Policy::Retain);
        let entry = Entry {
            resource: resource.into(),
            condition: None,
            deletion_policy: retain,
            update_replace_policy: retain,
            depends_on: Vec::new(),
        };
        self.insert(id, entry)
    }

    /// Makes CloudFormation create resource `id` only once `other` exists (`DependsOn`), for an order no
    /// reference between them gives.
    pub fn depends_on(&mut self, id: Id, other: Id) {
        let entry = self.resources.get_mut(&id).unwrap_or_else(|| panic!("no resource named {}", id.0));
        entry.depends_on.push(other);
    }

    fn insert(&mut self, id: Id, entry: Entry) -> Id {
        let previous = self.resources.insert(id, entry);
        assert!(previous.is_none(), "two resources named {}", id.0);
        id
    }

    /// Adds a parameter; returns its ID for references.
    pub fn parameter(&mut self, id: Id, parameter: Parameter) -> Id {
        let previous = self.parameters.insert(id, parameter);
        assert!(previous.is_none(), "two parameters named {}", id.0);
        id
    }

    /// Adds a condition; returns its ID for `Fn::If`.
    pub fn condition(&mut self, id: Id, condition: Expr) -> Id {
        self.conditions.insert(id, condition);
        id
    }

    /// Adds a rule.
    pub fn rule(&mut self, id: Id, rule: Rule) {
        self.rules.insert(id, rule);
    }

    /// Adds an output.
    pub fn output(&mut self, id: Id, description: &'static str, value: Expr) {
        self.outputs.insert(id, Output { description, value });
    }

    /// The resources, by logical ID.
    pub fn resources(&self) -> &BTreeMap<Id, Entry> {
        &self.resources
    }
}
