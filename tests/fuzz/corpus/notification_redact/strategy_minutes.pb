
$0190f1e2-1234-7abc-8def-99e68f07761cdemo-strategy-0001CASE-2026-0042"
C1Amelia Thornburyß	"
C2Noah Thornburyâ*5
P1Gareth Pellow"2019/0123456X"X12345608@JÈ¨›ÍRpolice¢ý âšÍ"Detective Sergeant"Team Manager" Named Nurse for Safeguarding*C1*C22œ#Section 47 enquiries for C1 and C2.sC1 disclosed sexual abuse by a household member; C2 lives in the same household and is at risk of significant harm.2`Joint ABE interview of C1.@C1 is able to give an account and has asked to speak to someone.2w/Child protection medical for C1 to be arranged.BThe disclosure describes contact abuse within the forensic window.:?
2Arrange and conduct the joint ABE interview of C1.ê:9
,Arrange the child protection medical for C1.ê:G
:Visit the household and agree a safety plan for C1 and C2.ê@JZRecent contact abuse disclosed; medical may secure evidence and address C1's health needs.P