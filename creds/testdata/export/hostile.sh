unset AWS_PROFILE
unset AWS_DEFAULT_PROFILE
unset AWS_SECURITY_TOKEN
export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'
export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
export AWS_SESSION_TOKEN='FAKE//session+token/for/tests=='
export AWS_CREDENTIAL_EXPIRATION='2026-11-22T12:04:05Z'
export AWS_REGION='rit'\''s "x" $(touch pwned) `touch pwned` ${HOME} ; touch pwned & | < > % ! ^ \ \'\'' \\ 
line2	tab 日本語 ‘curly’ ’ ‚ ‛ 🦊 #comment
'
export AWS_DEFAULT_REGION='rit'\''s "x" $(touch pwned) `touch pwned` ${HOME} ; touch pwned & | < > % ! ^ \ \'\'' \\ 
line2	tab 日本語 ‘curly’ ’ ‚ ‛ 🦊 #comment
'
export SWITCHER_PROFILE='pit'\''s "x" $(touch pwned) `touch pwned` ${HOME} ; touch pwned & | < > % ! ^ \ \'\'' \\ 
line2	tab 日本語 ‘curly’ ’ ‚ ‛ 🦊 #comment
'
