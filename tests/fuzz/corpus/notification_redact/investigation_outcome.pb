
$0190f1e2-1234-7abc-8def-e239f0e88060demo-outcome-0001CASE-2026-0042"
C1Amelia Thornburyß	"
C2Noah Thornburyâ*(
P1Gareth Pellow"2019/0123456X08@J¬àõÍRpolice²±
CRIME-26-004417¾Evidential threshold not met at this time: C1's ABE account was clear but uncorroborated and P1 denied the allegation in interview. The investigation can be reopened if new evidence emerges."HDChild abduction warning notice served on P1 in respect of C1 and C2.(2ê:øÏõÍ