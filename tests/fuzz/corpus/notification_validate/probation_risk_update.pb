demo-probation-0001CASE-2026-0042"
C1Amelia Thornburyß	"
C2Noah Thornburyâ*5
P1Gareth Pellow"X123456"2019/0123456X08@J”ðŸÍºÄ
P1X1234562019/0123456X (0:z
eNo unsupervised contact with any child under 16 without prior approval of the probation practitioner.Licence conditionBˆÛŸÍJ‘P1 has been living in the household of C1 and C2 without disclosing it, in breach of licence. Risk to children in the household assessed as high.