set -e AWS_PROFILE; or true
set -e AWS_DEFAULT_PROFILE; or true
set -e AWS_SECURITY_TOKEN; or true
set -gx AWS_ACCESS_KEY_ID 'AKIAIOSFODNN7EXAMPLE'
set -gx AWS_SECRET_ACCESS_KEY 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
set -gx AWS_SESSION_TOKEN 'FAKE//session+token/for/tests=='
set -gx AWS_CREDENTIAL_EXPIRATION '2026-11-22T12:04:05Z'
set -gx AWS_REGION 'eu-west-1'
set -gx AWS_DEFAULT_REGION 'eu-west-1'
set -gx SWITCHER_PROFILE 'prod-admin'
