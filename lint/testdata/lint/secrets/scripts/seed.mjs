import { createClient } from '@supabase/supabase-js'

// Admin client for seeding (committed by mistake).
const serviceKey = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDE1NTc2MDAwfQ.c2lnbmF0dXJlLW5vdC1yZWFsLWJ1dC1sb25nLWVub3VnaA'
// Local CLI demo key: public, not a leak.
const localKey = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.ZGVtby1zaWduYXR1cmU'
const anonKey = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6ImFub24iLCJleHAiOjIwMTU1NzYwMDB9.YW5vbi1zaWduYXR1cmU'
export const admin = createClient('https://abcdefghijklmnopqrst.supabase.co', serviceKey)
export const local = createClient('http://127.0.0.1:54321', localKey)
export const jwtSecret = process.env.SUPABASE_JWT_SECRET
export const cfg = { jwt_secret: 'h7Gk2Lm9Qp4Rs8Tv1Wx5Yz3Ab6Cd0Ef' }
export { anonKey }
