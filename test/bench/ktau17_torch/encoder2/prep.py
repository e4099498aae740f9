import gzip, csv, os, numpy as np
OP={"input":1,"conv1x1-bn-relu":2,"conv3x3-bn-relu":3,"maxpool3x3":4,"output":5}
N=423624
adj=np.zeros((N,7,7),np.uint8); ops=np.zeros((N,7),np.int8); nv=np.zeros(N,np.int8)
acc=np.zeros(N,np.float64); par=np.zeros(N,np.int64); fl=np.zeros(N,np.float64)
with gzip.open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../../shared/data/nb101/nb101_all_run0test.csv.gz'),'rt') as f:
    r=csv.DictReader(f)
    for k,row in enumerate(r):
        n=int(row['num_vertices']); nv[k]=n
        a=np.array([c=='1' for c in row['adjacency']],np.uint8).reshape(n,n)
        adj[k,:n,:n]=a   # cell matrix: a[i,j]=1 iff edge i->j
        o=row['ops'].split(';'); ops[k,:n]=[OP[x] for x in o]
        acc[k]=float(row['test_acc_run0']); par[k]=int(row['trainable_parameters']); fl[k]=float(row['flops_thop'])
np.savez_compressed('nb101.npz',adj=adj,ops=ops,nv=nv,acc=acc,par=par,flops=fl)
print(k+1)
