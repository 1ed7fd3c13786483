
!
choice
J


	Z
int