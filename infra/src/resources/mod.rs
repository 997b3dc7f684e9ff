//! The CloudFormation resource types the stack uses, one module per service, with the properties it sets. Field
//! names serialize to the CloudFormation property names; anything that can be a reference is an
//! [`Expr`](crate::cfn::Expr).

pub mod apigateway;
pub mod cloudfront;
pub mod cloudwatch;
pub mod dynamodb;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod sqs;

use serde::Serialize;

use apigateway::{HttpApi, Integration, Route, Stage};
use cloudfront::{CachePolicy, Distribution, OriginAccessControl, OriginAccessIdentity, ResponseHeadersPolicy};
use cloudwatch::Alarm;
use dynamodb::Table;
use iam::Role;
use lambda::{EventSourceMapping, Function, FunctionUrl, Permission};
use logs::LogGroup;
use s3::{Bucket, BucketPolicy};
use sqs::{Queue, QueuePolicy};

/// Every resource type of the stack, tagged with its CloudFormation type name.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "Type", content = "Properties")]
pub enum Resource {
    /// A DynamoDB table.
    #[serde(rename = "AWS::DynamoDB::Table")]
    Table(Table),
    /// A CloudWatch Logs log group.
    #[serde(rename = "AWS::Logs::LogGroup")]
    LogGroup(LogGroup),
    /// An IAM role.
    #[serde(rename = "AWS::IAM::Role")]
    Role(Role),
    /// A Lambda function.
    #[serde(rename = "AWS::Lambda::Function")]
    Function(Function),
    /// A Lambda function URL.
    #[serde(rename = "AWS::Lambda::Url")]
    FunctionUrl(FunctionUrl),
    /// A stream or a queue read by a Lambda function.
    #[serde(rename = "AWS::Lambda::EventSourceMapping")]
    EventSourceMapping(EventSourceMapping),
    /// An SQS queue.
    #[serde(rename = "AWS::SQS::Queue")]
    Queue(Queue),
    /// An SQS queue policy.
    #[serde(rename = "AWS::SQS::QueuePolicy")]
    QueuePolicy(QueuePolicy),
    /// A CloudWatch alarm.
    #[serde(rename = "AWS::CloudWatch::Alarm")]
    Alarm(Alarm),
    /// A statement of a Lambda function's resource policy.
    #[serde(rename = "AWS::Lambda::Permission")]
    Permission(Permission),
    /// An API Gateway HTTP API.
    #[serde(rename = "AWS::ApiGatewayV2::Api")]
    HttpApi(HttpApi),
    /// An HTTP API integration.
    #[serde(rename = "AWS::ApiGatewayV2::Integration")]
    Integration(Integration),
    /// An HTTP API route.
    #[serde(rename = "AWS::ApiGatewayV2::Route")]
    Route(Route),
    /// An HTTP API stage.
    #[serde(rename = "AWS::ApiGatewayV2::Stage")]
    Stage(Stage),
    /// An S3 bucket.
    #[serde(rename = "AWS::S3::Bucket")]
    Bucket(Bucket),
    /// An S3 bucket policy.
    #[serde(rename = "AWS::S3::BucketPolicy")]
    BucketPolicy(BucketPolicy),
    /// A CloudFront origin access identity (S3 origins).
    #[serde(rename = "AWS::CloudFront::CloudFrontOriginAccessIdentity")]
    OriginAccessIdentity(OriginAccessIdentity),
    /// A CloudFront origin access control (here for a Lambda function URL).
    #[serde(rename = "AWS::CloudFront::OriginAccessControl")]
    OriginAccessControl(OriginAccessControl),
    /// A CloudFront cache policy.
    #[serde(rename = "AWS::CloudFront::CachePolicy")]
    CachePolicy(CachePolicy),
    /// A CloudFront response headers policy.
    #[serde(rename = "AWS::CloudFront::ResponseHeadersPolicy")]
    ResponseHeadersPolicy(ResponseHeadersPolicy),
    /// A CloudFront distribution (boxed: it is many times larger than the others).
    #[serde(rename = "AWS::CloudFront::Distribution")]
    Distribution(Box<Distribution>),
}

macro_rules! into_resource {
    ($($variant:ident),* $(,)?) => {
        $(impl From<$variant> for Resource {
            fn from(properties: $variant) -> Self {
                Self::$variant(properties)
            }
        })*
    };
}

into_resource!(
    Table,
    LogGroup,
    Role,
    Function,
    FunctionUrl,
    EventSourceMapping,
    Queue,
    QueuePolicy,
    Alarm,
    Permission,
    HttpApi,
    Integration,
    Route,
    Stage,
    Bucket,
    BucketPolicy,
    OriginAccessIdentity,
    OriginAccessControl,
    CachePolicy,
    ResponseHeadersPolicy,
);

impl From<Distribution> for Resource {
    fn from(properties: Distribution) -> Self {
        Self::Distribution(Box::new(properties))
    }
}
