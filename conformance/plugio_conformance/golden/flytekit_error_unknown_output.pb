
F
UNKNOWN_OUTPUT#Type of output received not handled *×Ù×®€åšw